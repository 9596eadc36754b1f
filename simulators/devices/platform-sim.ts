import { createHmac, randomBytes } from 'node:crypto';
import { oneNetSignature } from '../../devices/codecs/platform/index.ts';

/**
 * A carrier's IoT platform pushing device messages to the gateway (`POST /push/{platform}`),
 * with the bodies those platforms publish: CTWing subscription pushes (https://www.ctwing.cn/dyts/103)
 * and OneNET HTTP pushes with their md5 signature. Retries are resent exactly as platforms do.
 */
export interface PlatformSimMessage {
  /** The device as the platform knows it (site file `platformDeviceId`). */
  platformDeviceId: string;
  /** Service data as the product reports it, e.g. `{ smoke_state: 1, battery_value: 90 }`. */
  data?: Record<string, unknown>;
  /** An online/offline notification instead of data. */
  online?: boolean;
  /** Platform timestamp (epoch ms); default now. */
  ts?: number;
  productId?: string;
}

/** A body given whole, for the generic JSON mapping (whose shape its config defines). */
export interface RawPush {
  raw: unknown;
}

export interface BuiltPush {
  path: string;
  body: string;
  headers: Record<string, string>;
}

export interface PushOptions {
  /** Generic platforms signing with HMAC-SHA256: the header carrying the hex signature. */
  hmacHeader?: string;
}

export function ctwingPushBody(m: PlatformSimMessage): Record<string, unknown> {
  const head = { timestamp: m.ts ?? Date.now(), tenantId: '10461180', protocol: 'lwm2m', productId: m.productId ?? '15014772', deviceId: m.platformDeviceId };
  if (m.online !== undefined) return { ...head, messageType: 'deviceOnlineOfflineReport', eventType: m.online ? 1 : 0, iccid: 'undefined' };
  return {
    upPacketSN: -1, upDataSN: -1, topic: 'v1/up/ad19prof', ...head, serviceId: '',
    payload: { serviceId: 'notification', serviceData: m.data ?? {} },
    messageType: 'dataReport', deviceType: '', assocAssetId: '', IMSI: 'undefined', IMEI: '860374051096202',
  };
}

/** OneNET: one data point per datastream (`ds_id`), several in one push as a `msg` array. */
export function oneNetPushBody(m: PlatformSimMessage, token?: string, nonce = randomBytes(6).toString('base64url').slice(0, 8)): Record<string, unknown> {
  const at = m.ts ?? Date.now();
  const devId = /^\d{1,15}$/.test(m.platformDeviceId) ? Number(m.platformDeviceId) : m.platformDeviceId;
  const items = m.online !== undefined
    ? [{ at, login_type: 7, type: 2, dev_id: devId, status: m.online ? 1 : 0 }]
    : Object.entries(m.data ?? {}).map(([ds, value]) => ({ at, type: 1, ds_id: ds, value, dev_id: devId }));
  const msg = items.length === 1 ? items[0] : items;
  const body: Record<string, unknown> = { msg, nonce };
  if (token !== undefined) body.msg_signature = oneNetSignature(token, nonce, JSON.stringify(msg));
  return body;
}

/** The request a platform would send; `secret` = the token the gateway has for that platform. */
export function buildPush(platform: string, message: PlatformSimMessage | RawPush, secret?: string, opts: PushOptions = {}): BuiltPush {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  let body: string;
  let query = '';
  if ('raw' in message) {
    body = JSON.stringify(message.raw);
  } else if (platform === 'onenet') {
    body = JSON.stringify(oneNetPushBody(message, secret));
  } else {
    body = JSON.stringify(ctwingPushBody(message));
  }
  if (secret !== undefined && platform !== 'onenet') {
    if (opts.hmacHeader) headers[opts.hmacHeader] = createHmac('sha256', secret).update(body).digest('hex');
    else query = `?token=${encodeURIComponent(secret)}`;
  }
  return { path: `/push/${platform}${query}`, body, headers };
}

export async function sendPush(baseUrl: string, push: BuiltPush): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl.replace(/\/$/, '')}${push.path}`, { method: 'POST', headers: push.headers, body: push.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}

/** Builds and sends one push to the gateway at `baseUrl` (e.g. `http://127.0.0.1:8081`). */
export async function pushAsPlatform(
  baseUrl: string,
  platform: string,
  message: PlatformSimMessage | RawPush,
  secret?: string,
  opts: PushOptions = {},
): Promise<{ status: number; body: unknown }> {
  return sendPush(baseUrl, buildPush(platform, message, secret, opts));
}
