import { z } from 'zod';
import { FIELD_NAMES, type FieldName, formatIssues } from '../../contract/index.ts';
import {
  type FieldMap, GenericJsonConfig, createCtwingMapping, createGenericJsonMapping, createOneNetMapping,
} from '../../devices/codecs/platform/index.ts';
import type { PushPlatform } from './push-ingest.ts';

/**
 * Which platforms may push to this gateway, and with which token — the gateway's `--push-config`
 * file (JSON). A token is given inline or, better, by the name of an environment variable holding
 * it. Without the file: CTWing and OneNET, tokens from CAREWATCH_PUSH_CTWING_TOKEN and
 * CAREWATCH_PUSH_ONENET_TOKEN when set (docs/home-links.md).
 *
 * ```json
 * { "ctwing": { "tokenEnv": "CTWING_TOKEN", "products": { "15014772": { "fields": { "Alarm_Status": { "field": "smoke", "map": { "2": true, "0": false } } } } } },
 *   "onenet": { "tokenEnv": "ONENET_TOKEN", "deviceIdKey": "imei" },
 *   "generic": [{ "tokenEnv": "ACME_KEY", "mapping": { "name": "acme", "deviceIdPath": "imei", "fields": { "smoke": "alarm" }, "auth": { "kind": "hmac-sha256", "header": "x-acme-signature" } } }] }
 * ```
 */
const Value = z.union([z.boolean(), z.number(), z.string()]);
const FieldRule = z.object({
  field: z.enum(FIELD_NAMES as [FieldName, ...FieldName[]]),
  map: z.record(z.string(), Value).optional(),
  otherwise: Value.optional(),
  scale: z.number().optional(),
}).strict();
const FieldMapConfig = z.record(z.string().min(1).max(200), z.union([FieldRule, z.array(FieldRule).min(1)]));
const Token = {
  /** The token itself (keep the file private), or… */
  token: z.string().min(8, 'must be at least 8 characters').max(200).optional(),
  /** …the environment variable that holds it. */
  tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
};

export const PushConfig = z.object({
  ctwing: z.object({
    ...Token,
    products: z.record(z.string().min(1).max(64), z.object({ fields: FieldMapConfig }).strict()).optional(),
  }).strict().optional(),
  onenet: z.object({
    ...Token,
    fields: FieldMapConfig.optional(),
    deviceIdKey: z.enum(['dev_id', 'imei']).optional(),
  }).strict().optional(),
  generic: z.array(z.object({ ...Token, mapping: GenericJsonConfig }).strict()).max(50).optional(),
}).strict();
export type PushConfig = z.infer<typeof PushConfig>;

export const DEFAULT_PUSH_CONFIG: PushConfig = {
  ctwing: { tokenEnv: 'CAREWATCH_PUSH_CTWING_TOKEN' },
  onenet: { tokenEnv: 'CAREWATCH_PUSH_ONENET_TOKEN' },
};

export type PushPlatformsResult =
  | { ok: true; platforms: Record<string, PushPlatform> }
  | { ok: false; errors: string[] };

/** Config (parsed JSON) → the platforms `registerPushRoutes` serves; every problem as `path: message`. */
export function buildPushPlatforms(input: unknown, env: Record<string, string | undefined> = process.env): PushPlatformsResult {
  const parsed = PushConfig.safeParse(input);
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error) };
  const cfg = parsed.data;
  const errors: string[] = [];
  const platforms: Record<string, PushPlatform> = {};
  const add = (path: string, platform: PushPlatform['mapping'], token: { token?: string | undefined; tokenEnv?: string | undefined }, auth: PushPlatform['auth']): void => {
    if (Object.hasOwn(platforms, platform.name)) {
      errors.push(`${path}: platform name "${platform.name}" is used twice`);
      return;
    }
    const secret = token.token ?? (token.tokenEnv === undefined ? undefined : env[token.tokenEnv]);
    platforms[platform.name] = secret === undefined || secret === '' ? { mapping: platform, auth } : { mapping: platform, auth, secret };
  };
  if (cfg.ctwing) {
    const products = cfg.ctwing.products
      ? Object.fromEntries(Object.entries(cfg.ctwing.products).map(([id, p]) => [id, { fields: p.fields as FieldMap }]))
      : undefined;
    add('ctwing', createCtwingMapping(products ? { products } : {}), cfg.ctwing, 'token');
  }
  if (cfg.onenet) {
    const { fields, deviceIdKey } = cfg.onenet;
    add('onenet', createOneNetMapping({ ...(fields ? { fields: fields as FieldMap } : {}), ...(deviceIdKey ? { deviceIdKey } : {}) }), cfg.onenet, 'signed');
  }
  cfg.generic?.forEach((g, i) => add(`generic.${i}.mapping.name`, createGenericJsonMapping(g.mapping), g, g.mapping.auth?.kind === 'hmac-sha256' ? 'signed' : 'token'));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, platforms };
}
