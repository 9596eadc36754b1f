/**
 * Encoders for simulators: what a native device or a Zigbee2MQTT bridge publishes, written with
 * the same codecs the gateway decodes with (DESIGN.md: simulators encode with `devices/` codecs).
 */
import type { DeviceFields } from '../contract/index.ts';
import { encodeNativeAvailability, encodeNativeState } from './codecs/native.ts';
import type { NativeEncodeOptions } from './codecs/native.ts';
import { encodeZ2mAvailability, encodeZ2mState } from './codecs/zigbee2mqtt.ts';
import type { Z2mEncodeOptions } from './codecs/zigbee2mqtt.ts';
import type { DeviceProfile } from './profiles/define.ts';

export { encodeNativeAvailability, encodeNativeState, encodeZ2mAvailability, encodeZ2mState };
export type { NativeEncodeOptions, Z2mEncodeOptions };

/** Zigbee2MQTT's bridge state and last will (`lib/mqtt.ts`, z2m-033/z2m-035). */
export function encodeZ2mBridgeState(online: boolean): string {
  return JSON.stringify({ state: online ? 'online' : 'offline' });
}

/** Zigbee2MQTT's reset of an event after publishing it: the cached state with `action: ""`. */
export function encodeZ2mActionReset(fields: DeviceFields, profile: DeviceProfile, opts: Z2mEncodeOptions = {}): string {
  const { action: _event, ...rest } = fields;
  const state = JSON.parse(encodeZ2mState(rest, profile, opts)) as Record<string, unknown>;
  return JSON.stringify({ ...state, action: '' });
}

/** The profile's quiet sample state overlaid with `changes`, e.g. `{ smoke: true }`. */
export function sampleState(profile: DeviceProfile, changes: DeviceFields = {}): DeviceFields {
  return { ...profile.sample, ...changes };
}
