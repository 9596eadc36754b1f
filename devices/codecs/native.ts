import type { DeviceFields } from '../../contract/index.ts';
import { NativeStatePayload, wireTimeToMs } from '../../contract/index.ts';
import type { Decoded } from '../decoded.ts';
import { accept, reject } from '../decoded.ts';
import type { DeviceProfile } from '../profiles/define.ts';
import type { JsonObject } from './coerce.ts';
import {
  availabilityWord, FIELD_TYPES, formatZodIssue, isFieldName, jsonType, onlineFromWord, parseJsonObject, strictTypeError,
} from './coerce.ts';

/**
 * The native CareWatch codec (CONTRACT.md "Native topics"):
 * `carewatch/{site}/devices/{id}/state` carries a `NativeStatePayload` JSON object and
 * `.../availability` carries `online` / `offline`. Our own format, so it is strict: no type
 * coercion, no unknown keys, values in range (the Zigbee2MQTT codec is the lenient one).
 * Payload size is bounded by the transport before a codec sees it.
 */

export interface NativeState {
  fields: DeviceFields;
  /** Device time (epoch ms): the payload's `ts`, else the gateway's receive time. */
  ts: number;
  seq?: number;
}

export function decodeNativeState(payload: Buffer | string, receivedAt: number): Decoded<NativeState> {
  const json = parseJsonObject(payload);
  if (!json.ok) return json;
  const typeError = firstTypeError(json.value);
  if (typeError !== undefined) return reject('schema', typeError);
  const parsed = NativeStatePayload.safeParse(json.value); // the contract decides ranges and formats
  if (!parsed.success) return reject('schema', formatZodIssue(parsed.error));
  const { ts, seq, linkquality: _ignored, ...fields } = parsed.data;
  const deviceTs = ts === undefined ? receivedAt : wireTimeToMs(ts);
  if (!Number.isFinite(deviceTs)) return reject('schema', 'ts: not a valid time');
  return accept(seq === undefined ? { fields, ts: deviceTs } : { fields, ts: deviceTs, seq });
}

/**
 * Cheap guard before the contract schema: unknown keys and wrong JSON types are most garbage,
 * and answering them without building a zod error keeps a flood of bad payloads cheap.
 */
function firstTypeError(state: JsonObject): string | undefined {
  for (const key of Object.keys(state)) {
    const value = state[key];
    if (isFieldName(key)) {
      const error = strictTypeError(value, FIELD_TYPES[key]);
      if (error !== undefined) return `${key}: ${error}`;
    } else if (key === 'ts') {
      if (typeof value !== 'string' && typeof value !== 'number') return `ts: expected ISO 8601 string or epoch ms, received ${jsonType(value)}`;
    } else if (key === 'seq' || key === 'linkquality') {
      const error = strictTypeError(value, 'number');
      if (error !== undefined) return `${key}: ${error}`;
    } else {
      return `${key.slice(0, 60)}: unknown field`;
    }
  }
  return undefined;
}

/**
 * Decision: a native device reporting a field its profile does not have is rejected ('schema'),
 * not silently dropped — it means the site file names the wrong profile, which must show up.
 */
export function decodeNativeStateForProfile(
  payload: Buffer | string, receivedAt: number, profile: DeviceProfile,
): Decoded<NativeState> {
  const decoded = decodeNativeState(payload, receivedAt);
  if (!decoded.ok) return decoded;
  for (const field of Object.keys(decoded.value.fields)) {
    if (!(profile.fields as readonly string[]).includes(field)) {
      return reject('schema', `${field}: not a field of profile ${profile.id}`);
    }
  }
  return decoded;
}

/**
 * `online` / `offline` as the device's MQTT will, or `{"state":"online"}` as Zigbee2MQTT 2.x
 * writes it. Surrounding whitespace is tolerated (hand-typed `mosquitto_pub -m`). An empty
 * payload deletes the retained message: it says nothing about the device ('schema' here).
 */
export function decodeNativeAvailability(payload: Buffer | string): Decoded<{ online: boolean }> {
  const word = availabilityWord(payload);
  if (!word.ok) return word;
  if (word.value === '') return reject('schema', 'empty availability payload (retained message deleted)');
  return onlineFromWord(word.value);
}

export interface NativeEncodeOptions {
  /** Epoch ms or ISO 8601 with offset. */
  ts?: number | string;
  seq?: number;
}

/** A native state payload, as a device or simulator publishes it. */
export function encodeNativeState(fields: DeviceFields, opts: NativeEncodeOptions = {}): string {
  const payload: Record<string, unknown> = { ...fields };
  if (opts.ts !== undefined) payload['ts'] = opts.ts;
  if (opts.seq !== undefined) payload['seq'] = opts.seq;
  return JSON.stringify(payload);
}

export function encodeNativeAvailability(online: boolean): string {
  return online ? 'online' : 'offline';
}
