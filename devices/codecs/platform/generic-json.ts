import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { FIELD_NAMES, type FieldName } from '../../../contract/index.ts';
import { accept, reject, type Decoded } from '../../decoded.ts';
import { applyFieldMap, type FieldMap, type FieldRule } from './field-map.ts';
import { describe, getPath, isObject } from './json-body.ts';
import { stableMessageId } from './message-id.ts';
import { sameSecret, verifySharedToken } from './shared-token.ts';
import type { PlatformMapping, PlatformMessage, PushRequest } from './types.ts';

/**
 * A push from any platform that posts JSON, described by paths (for vendors' own clouds and
 * integrators): `{ deviceIdPath: 'imei', tsPath: 'time', fields: { smoke: 'data.alarm' } }`.
 */
const Path = z.string().min(1).max(200);
const Value = z.union([z.boolean(), z.number(), z.string()]);
const FieldSource = z.union([Path, z.object({
  path: Path,
  map: z.record(z.string(), Value).optional(),
  otherwise: Value.optional(),
  scale: z.number().optional(),
}).strict()]);

export const GenericJsonConfig = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1-40 lower-case letters, digits, "_" or "-"'),
  /** Where the list of messages is; default the body itself (one object, or an array of them). */
  itemsPath: Path.optional(),
  deviceIdPath: Path,
  /** The platform's message id; without it the id is a hash (see message-id.ts). */
  messageIdPath: Path.optional(),
  /** Epoch ms, epoch s (values below 1e11) or ISO 8601; default the receive time. */
  tsPath: Path.optional(),
  /** Optional availability: truthy/"online" = online. */
  onlinePath: Path.optional(),
  fields: z.partialRecord(z.enum(FIELD_NAMES as [FieldName, ...FieldName[]]), FieldSource),
  /** `token`: shared token (`?token=` or header); `hmac-sha256`: hex HMAC of the raw body in `header`. */
  auth: z.union([
    z.object({ kind: z.literal('token') }).strict(),
    z.object({ kind: z.literal('hmac-sha256'), header: z.string().min(1).max(100) }).strict(),
  ]).optional(),
}).strict();
export type GenericJsonConfig = z.infer<typeof GenericJsonConfig>;

/** Throws a ZodError for a bad config: config is checked once at load, not per push. */
export function createGenericJsonMapping(input: GenericJsonConfig): PlatformMapping {
  const cfg = GenericJsonConfig.parse(input);
  const fieldMap: Record<string, FieldRule[]> = {};
  for (const [field, source] of Object.entries(cfg.fields)) {
    if (source === undefined) continue;
    const { path, ...rest } = typeof source === 'string' ? { path: source } : source;
    (fieldMap[path] ??= []).push({ field: field as FieldName, ...rest });
  }
  return {
    name: cfg.name,
    verify: (req, secret) => verifyGeneric(req, secret, cfg.auth),
    decode(body, receivedAt) {
      const list = cfg.itemsPath === undefined ? body : getPath(body, cfg.itemsPath);
      const items = Array.isArray(list) ? list : [list];
      const out: PlatformMessage[] = [];
      for (let i = 0; i < items.length; i++) {
        const decoded = decodeItem(cfg, fieldMap, items[i], Array.isArray(list) ? `[${i}]` : '', receivedAt);
        if (!decoded.ok) return decoded;
        out.push(decoded.value);
      }
      return accept(out);
    },
  };
}

function decodeItem(cfg: GenericJsonConfig, map: FieldMap, item: unknown, where: string, receivedAt: number | undefined): Decoded<PlatformMessage> {
  if (!isObject(item)) return reject('schema', `message${where} must be an object, got ${describe(item)}`);
  const device = getPath(item, cfg.deviceIdPath);
  if ((typeof device !== 'string' && typeof device !== 'number') || String(device).length === 0 || String(device).length > 128) {
    return reject('schema', `message${where}.${cfg.deviceIdPath} must be a device id, got ${describe(device)}`);
  }
  const ts = cfg.tsPath === undefined ? receivedAt : toEpochMs(getPath(item, cfg.tsPath));
  if (ts === undefined) {
    return reject('schema', cfg.tsPath === undefined
      ? 'no tsPath configured and no receive time given'
      : `message${where}.${cfg.tsPath} must be epoch ms/s or ISO 8601, got ${describe(getPath(item, cfg.tsPath))}`);
  }
  const platformDeviceId = String(device);
  const ownId = cfg.messageIdPath === undefined ? undefined : getPath(item, cfg.messageIdPath);
  const messageId = (typeof ownId === 'string' || typeof ownId === 'number') && String(ownId).length > 0 && String(ownId).length <= 128
    ? `${cfg.name}:${String(ownId)}`
    : stableMessageId(cfg.name, platformDeviceId, ts, item);
  const { fields, dropped } = applyFieldMap(item, map);
  const onlineRaw = cfg.onlinePath === undefined ? undefined : getPath(item, cfg.onlinePath);
  const head = { messageId, platformDeviceId, ts, fields, raw: item, ...(dropped.length ? { dropped } : {}) };
  if (onlineRaw === undefined) return accept({ ...head, kind: 'data' });
  const online = onlineRaw === true || onlineRaw === 1 || onlineRaw === '1' || onlineRaw === 'online' || onlineRaw === 'true';
  return accept({ ...head, kind: 'availability', online });
}

function toEpochMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.round(v < 1e11 ? v * 1000 : v);
  if (typeof v === 'string' && v.length <= 40) {
    if (/^\d+$/.test(v)) return toEpochMs(Number(v));
    const ms = Date.parse(v);
    return Number.isNaN(ms) || !/\d{4}-\d{2}-\d{2}/.test(v) ? undefined : ms;
  }
  return undefined;
}

function verifyGeneric(req: PushRequest, secret: string | undefined, auth: GenericJsonConfig['auth']): Decoded<void> {
  if (secret === undefined || auth === undefined || auth.kind === 'token') return verifySharedToken(req, secret);
  const given = req.headers[auth.header.toLowerCase()];
  if (given === undefined) return reject('bad_signature', `missing signature header ${auth.header}`);
  const expected = createHmac('sha256', secret).update(req.rawBody).digest('hex');
  return sameSecret(given.replace(/^sha256=/, '').toLowerCase(), expected) ? accept(undefined) : reject('bad_signature', `${auth.header} is not the HMAC-SHA256 of the body`);
}
