import { isId } from './ids.ts';

/**
 * Native device topics (CONTRACT.md "Native topics"): one device per topic.
 * `carewatch/{siteId}/devices/{deviceId}/state` and `.../availability`.
 */
export const NATIVE_ROOT = 'carewatch';
export type NativeTopicKind = 'state' | 'availability';

export function nativeTopic(siteId: string, deviceId: string, kind: NativeTopicKind): string {
  return `${NATIVE_ROOT}/${siteId}/devices/${deviceId}/${kind}`;
}

export interface NativeTopic { siteId: string; deviceId: string; kind: NativeTopicKind }

export function parseNativeTopic(topic: string): NativeTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== NATIVE_ROOT || parts[2] !== 'devices') return undefined;
  const [, siteId, , deviceId, kind] = parts as [string, string, string, string, string];
  if (!isId(siteId) || !isId(deviceId)) return undefined;
  if (kind !== 'state' && kind !== 'availability') return undefined;
  return { siteId, deviceId, kind };
}

/**
 * Zigbee2MQTT topics as Zigbee2MQTT publishes them: `{base}/{friendly_name}` (state),
 * `{base}/{friendly_name}/availability`, the legacy `{base}/{friendly_name}/action`, and
 * `{base}/bridge/...` for the bridge itself. Friendly names may contain '/', spaces and non-ASCII.
 */
export type Z2mTopic =
  | { kind: 'state'; friendlyName: string }
  | { kind: 'availability'; friendlyName: string }
  | { kind: 'action'; friendlyName: string }
  | { kind: 'bridge'; sub: string }
  | { kind: 'ignored'; why: string };

const Z2M_DEVICE_SUFFIXES = ['set', 'get'];

export function parseZ2mTopic(base: string, topic: string): Z2mTopic | undefined {
  if (!topic.startsWith(`${base}/`)) return undefined;
  const rest = topic.slice(base.length + 1);
  if (rest.length === 0) return undefined;
  if (rest.startsWith('bridge/')) return { kind: 'bridge', sub: rest.slice('bridge/'.length) };
  const slash = rest.lastIndexOf('/');
  const last = slash >= 0 ? rest.slice(slash + 1) : '';
  const name = slash >= 0 ? rest.slice(0, slash) : rest;
  if (last === 'availability') return { kind: 'availability', friendlyName: name };
  if (last === 'action') return { kind: 'action', friendlyName: name };
  if (Z2M_DEVICE_SUFFIXES.includes(last)) return { kind: 'ignored', why: `command topic /${last}` };
  return { kind: 'state', friendlyName: rest };
}
