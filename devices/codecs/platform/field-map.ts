import { DeviceFields, type FieldName } from '../../../contract/index.ts';
import { getPath, isObject } from './json-body.ts';
import type { DeviceProfile } from '../../profiles/define.ts';
import { listProfiles } from '../../registry.ts';

/**
 * Per-product translation of a platform's service data into the contract vocabulary
 * (zigbee-herdsman-converters style: the mapping is data). Each source key (a dotted path into the
 * service data) names the field it becomes and, optionally, how its values translate:
 * `{ smoke_state: { field: 'smoke', map: { 1: true, 0: false } } }`.
 */
export type FieldValue = boolean | number | string;

export interface FieldRule {
  field: FieldName;
  /** Source value (as a string: `1`, `true`, `alarm`) → field value. */
  map?: Readonly<Record<string, FieldValue>>;
  /** Used when `map` is given and the value is not in it; without it such values are dropped. */
  otherwise?: FieldValue;
  /** Multiply numeric values (e.g. 0.1 for tenths of a degree). */
  scale?: number;
}

export type FieldMap = Readonly<Record<string, FieldRule | readonly FieldRule[]>>;

export interface MappedFields {
  fields: DeviceFields;
  dropped: string[];
}

type Shape = Record<string, { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }>;
const SHAPE = DeviceFields.shape as unknown as Shape;
const BOOLEAN_FIELDS = new Set<string>(['smoke', 'heat', 'test', 'water_flow', 'sos', 'fall', 'worn', 'occupancy', 'in_bed', 'contact', 'water_leak', 'presence', 'battery_low', 'tamper', 'fault']);

type Compiled = ReadonlyArray<readonly [path: string, rules: readonly FieldRule[]]>;
const compiled = new WeakMap<FieldMap, Compiled>();

/** Maps are config: normalised once, not per message. */
function compile(map: FieldMap): Compiled {
  let c = compiled.get(map);
  if (c === undefined) {
    c = Object.entries(map).map(([path, rules]) => [path, Array.isArray(rules) ? (rules as readonly FieldRule[]) : [rules as FieldRule]] as const);
    compiled.set(map, c);
  }
  return c;
}

export function applyFieldMap(source: unknown, map: FieldMap): MappedFields {
  const fields: Record<string, FieldValue> = {};
  const dropped: string[] = [];
  if (!isObject(source)) return { fields: {}, dropped };
  for (const [path, rules] of compile(map)) {
    const raw = path.includes('.') ? getPath(source, path) : Object.hasOwn(source, path) ? source[path] : undefined;
    if (raw === undefined || raw === null || raw === '') continue;
    for (const rule of rules) {
      const value = convert(raw, rule);
      if (value === undefined) {
        dropped.push(`${path}=${short(raw)}: no ${rule.field} value for it`);
        continue;
      }
      const check = SHAPE[rule.field]?.safeParse(value);
      if (!check?.success) {
        dropped.push(`${path}=${short(raw)}: ${rule.field} ${check?.error?.issues[0]?.message ?? 'is not a contract field'}`);
        continue;
      }
      fields[rule.field] = value;
    }
  }
  return { fields: fields as DeviceFields, dropped };
}

function convert(raw: unknown, rule: FieldRule): FieldValue | undefined {
  if (rule.map) {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return rule.otherwise;
    const key = String(raw).trim();
    return Object.hasOwn(rule.map, key) ? rule.map[key] : rule.otherwise;
  }
  if (BOOLEAN_FIELDS.has(rule.field)) return toBoolean(raw);
  if (typeof raw === 'number') return rule.scale === undefined ? raw : raw * rule.scale;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (/^-?\d+(?:\.\d+)?$/.test(text)) return rule.scale === undefined ? Number(text) : Number(text) * rule.scale;
    return text;
  }
  return typeof raw === 'boolean' ? raw : undefined;
}

function toBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (raw === 1 || raw === '1' || raw === 'true') return true;
  if (raw === 0 || raw === '0' || raw === 'false') return false;
  return undefined;
}

function short(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? '[…]' : typeof v === 'object' ? '{…}' : String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Every contract field under its own name: a platform that already speaks our vocabulary. */
export const IDENTITY_FIELDS: FieldMap = Object.fromEntries(
  Object.keys(SHAPE).map((name) => [name, { field: name as FieldName }]),
);

/**
 * Service-data names of common NB-IoT smoke detectors and call buttons on the carriers'
 * platforms (CTWing's standard smoke-detector template style: `smoke_state`, `battery_value`,
 * `battery_state`, `error_code`), as the device profiles declare them (their capabilities'
 * `platformNames`: the profiles are the one source of device facts). A push is decoded before its
 * device is looked up, so the names of every profile apply; two profiles may not read one name
 * differently. Products that differ get their own map in the site file.
 */
export const COMMON_DETECTOR_FIELDS: FieldMap = profilesPlatformNames(listProfiles());

/** The union of the profiles' platform names; throws when two read one name differently. */
export function profilesPlatformNames(profiles: readonly DeviceProfile[]): FieldMap {
  const out: Record<string, FieldRule | readonly FieldRule[]> = {};
  const from: Record<string, string> = {};
  for (const p of profiles) {
    for (const [name, rule] of Object.entries(p.platformNames)) {
      if (out[name] !== undefined && JSON.stringify(out[name]) !== JSON.stringify(rule)) {
        throw new Error(`profiles ${from[name]} and ${p.id} read platform name "${name}" differently`);
      }
      out[name] = rule;
      from[name] ??= p.id;
    }
  }
  return out;
}

export const DEFAULT_PLATFORM_FIELDS: FieldMap = { ...IDENTITY_FIELDS, ...COMMON_DETECTOR_FIELDS };
