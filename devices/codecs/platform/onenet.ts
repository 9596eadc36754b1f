import { createHash } from 'node:crypto';
import { accept, reject, type Decoded } from '../../decoded.ts';
import { applyFieldMap, DEFAULT_PLATFORM_FIELDS, type FieldMap } from './field-map.ts';
import { describe, isObject, own, parseJsonBody } from './json-body.ts';
import { topLevelValueText } from './json-span.ts';
import { stableMessageId } from './message-id.ts';
import { sameSecret } from './shared-token.ts';
import type { PlatformMapping, PlatformMessage, PushRequest } from './types.ts';

/**
 * China Mobile OneNET HTTP data push (https://open.iot.10086.cn/doc/book/application-develop/httppush/develop-manual.html):
 * body `{ msg, msg_signature, nonce }`, `msg` one object or an array (batch push) of
 * - type 1 data point: `dev_id`, `ds_id` (datastream; `3300_0_5700`-style for LwM2M), `at` ms, `value`;
 * - type 2 online/offline: `dev_id`, `status` 1 online / 0 offline, `login_type`, `at`;
 * - type 7 cached-command result (NB devices): nothing to report.
 * Signature: msg_signature = base64(md5(token + nonce + msg)), msg being the msg JSON text.
 * Before pushing, OneNET checks the URL with `GET ?msg=&nonce=&signature=` and expects `msg` back.
 */
export interface OneNetOptions {
  /** ds_id (dotted paths into object values: `alarm.smoke`) → field. */
  fields?: FieldMap;
  /** Which id names the device in the site file: the OneNET device id (default) or the IMEI. */
  deviceIdKey?: 'dev_id' | 'imei';
  name?: string;
}

export function oneNetSignature(token: string, nonce: string, msg: string): string {
  return createHash('md5').update(`${token}${nonce}${msg}`, 'utf8').digest('base64');
}

export function createOneNetMapping(opts: OneNetOptions = {}): PlatformMapping {
  const name = opts.name ?? 'onenet';
  const fieldMap = opts.fields ?? DEFAULT_PLATFORM_FIELDS;
  const deviceKey = opts.deviceIdKey ?? 'dev_id';
  return {
    name,
    verify: (req, secret) => verifyPush(req, secret),
    answerVerification(query, secret) {
      const { msg, nonce, signature } = query;
      if (msg === undefined) return reject('schema', 'URL verification needs ?msg=');
      if (secret === undefined) return accept(msg);
      if (nonce === undefined || signature === undefined) return reject('schema', 'URL verification needs ?nonce= and ?signature=');
      // A "+" of the base64 signature arrives as " " when the platform does not URL-encode it.
      return sameSecret(oneNetSignature(secret, nonce, msg), signature.replace(/ /g, '+'))
        ? accept(msg)
        : reject('bad_signature', 'signature does not match base64(md5(token + nonce + msg))');
    },
    decode(body) {
      if (!isObject(body)) return reject('schema', `OneNET push must be a JSON object, got ${describe(body)}`);
      if (own(body, 'enc_msg') !== undefined) return reject('unsupported', 'OneNET secure (AES) push mode is not supported: configure the push instance as plaintext');
      const msg = own(body, 'msg');
      const items = Array.isArray(msg) ? msg : [msg];
      const pushId = own(body, 'id');
      const out: PlatformMessage[] = [];
      for (let i = 0; i < items.length; i++) {
        const where = Array.isArray(msg) ? `msg[${i}]` : 'msg';
        const item = items[i];
        if (!isObject(item)) return reject('schema', `${where} must be an object, got ${describe(item)}`);
        const decoded = decodeItem(item, where);
        if (!decoded.ok) return decoded;
        if (decoded.value === undefined) continue;
        const { type, at, value } = decoded.value;
        const device = own(item, deviceKey);
        if ((typeof device !== 'string' && typeof device !== 'number') || String(device).length === 0) {
          return reject('schema', `${where}.${deviceKey} must be a number or string, got ${describe(device)}`);
        }
        const platformDeviceId = String(device);
        const messageId = typeof pushId === 'string' && pushId.length > 0 && pushId.length <= 128
          ? `${name}:${pushId}${Array.isArray(msg) ? `:${i}` : ''}`
          : stableMessageId(name, platformDeviceId, at, item);
        if (type === 2) {
          out.push({ messageId, platformDeviceId, ts: at, kind: 'availability', fields: {}, online: value === 1, raw: item });
          continue;
        }
        const { fields, dropped } = applyFieldMap({ [String(own(item, 'ds_id'))]: value }, fieldMap);
        out.push({ messageId, platformDeviceId, ts: at, kind: 'data', fields, raw: item, ...(dropped.length ? { dropped } : {}) });
      }
      return accept(out);
    },
  };
}

type Item = { type: 1 | 2; at: number; value: unknown } | undefined;

function decodeItem(item: Record<string, unknown>, where: string): Decoded<Item> {
  const type = own(item, 'type');
  if (typeof type !== 'number') return reject('schema', `${where}.type must be a number, got ${describe(type)}`);
  if (type !== 1 && type !== 2) return accept(undefined); // 7: command result, others: not device state
  const at = own(item, 'at');
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0) return reject('schema', `${where}.at must be epoch ms, got ${describe(at)}`);
  if (type === 2) {
    const status = own(item, 'status');
    if (status !== 0 && status !== 1) return reject('schema', `${where}.status must be 0 or 1, got ${describe(status)}`);
    return accept({ type, at, value: status });
  }
  const dsId = own(item, 'ds_id');
  if (typeof dsId !== 'string' || dsId.length === 0) return reject('schema', `${where}.ds_id must be a non-empty string, got ${describe(dsId)}`);
  if (!Object.hasOwn(item, 'value')) return reject('schema', `${where}.value is missing`);
  return accept({ type, at, value: own(item, 'value') });
}

/**
 * Signature over the msg text as it arrived; OneNET's own SDKs compute it over their
 * re-serialisation of msg, so the compact re-serialisation is accepted too.
 */
function verifyPush(req: PushRequest, secret: string | undefined): Decoded<void> {
  if (secret === undefined) return accept(undefined);
  const parsed = parseJsonBody(req.rawBody);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  if (!isObject(body)) return reject('schema', `OneNET push must be a JSON object, got ${describe(body)}`);
  const signature = own(body, 'msg_signature');
  const nonce = own(body, 'nonce');
  if (typeof signature !== 'string') return reject('bad_signature', `msg_signature must be a string, got ${describe(signature)}`);
  if (typeof nonce !== 'string') return reject('bad_signature', `nonce must be a string, got ${describe(nonce)}`);
  const key = own(body, 'enc_msg') !== undefined ? 'enc_msg' : 'msg';
  const value = own(body, key);
  if (value === undefined) return reject('schema', `${key} is missing`);
  const texts = new Set<string>();
  const asArrived = topLevelValueText(req.rawBody.toString('utf8'), key);
  if (asArrived !== undefined) texts.add(asArrived);
  texts.add(typeof value === 'string' ? value : JSON.stringify(value));
  for (const text of texts) {
    if (sameSecret(oneNetSignature(secret, nonce, text), signature)) return accept(undefined);
  }
  return reject('bad_signature', `msg_signature does not match base64(md5(token + nonce + ${key}))`);
}
