import { isUtf8 } from 'node:buffer';
import type { FieldName } from '../../contract/index.ts';
import { CallAction, FallDownStatus } from '../../contract/index.ts';
import type { Decoded, RejectReason } from '../decoded.ts';
import { accept, reject } from '../decoded.ts';

/**
 * Helpers shared by the JSON codecs: payload → object (the "frame" step), readers that turn one
 * property value into a field value or say why not, and zod issue formatting.
 */

export type JsonObject = Record<string, unknown>;

/** Bytes → text; invalid UTF-8 is bad JSON (RFC 8259 8.1: JSON text is UTF-8). */
export function payloadText(payload: Buffer | Uint8Array | string): Decoded<string> {
  if (typeof payload === 'string') return accept(payload);
  // isUtf8 checks without throwing: a flood of bad bytes must stay cheap.
  if (!isUtf8(payload)) return reject('malformed_json', 'payload is not valid UTF-8');
  return accept(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
}

/** The name JSON gives a value's type, for messages ("received string"). */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function parseJsonObject(payload: Buffer | Uint8Array | string): Decoded<JsonObject> {
  const text = payloadText(payload);
  if (!text.ok) return text;
  if (text.value.trim().length === 0) return reject('malformed_json', 'empty payload');
  let value: unknown;
  try {
    value = JSON.parse(text.value);
  } catch (error) {
    return reject('malformed_json', `not JSON: ${(error as Error).message}`.slice(0, 200));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('malformed_json', `expected a JSON object, received ${jsonType(value)}`);
  }
  return accept(value as JsonObject);
}

/** The part of a zod error we read (structural, so `devices/` needs no zod import). */
export interface SchemaError {
  issues: readonly { code: string; path: readonly PropertyKey[]; message: string; keys?: readonly string[] }[];
}

/** The first schema issue as `path: message`, e.g. `smoke: expected boolean, received string`. */
export function formatZodIssue(error: SchemaError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  if (issue.code === 'unrecognized_keys' && issue.keys) return `${issue.keys.join(', ')}: unknown field`;
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  return `${path}: ${issue.message.replace(/^Invalid input: /, '').replace(/^Too (big|small): /, (m) => m.toLowerCase())}`;
}

// --- readers ----------------------------------------------------------------------------------

/** A property's meaning: a value, "unknown" (null/absent/no event), or a reason it is bad. */
export type Read<T> =
  | { kind: 'value'; value: T }
  | { kind: 'unknown' }
  | { kind: 'bad'; reason: RejectReason; detail: string };

const UNKNOWN = { kind: 'unknown' } as const;
const value = <T>(v: T): Read<T> => ({ kind: 'value', value: v });
function expected(what: string, got: unknown): Read<never> {
  const shown = typeof got === 'string' ? ` ${JSON.stringify(got.slice(0, 40))}` : '';
  return { kind: 'bad', reason: 'schema', detail: `expected ${what}, received ${jsonType(got)}${shown}` };
}

export function readBoolean(v: unknown): Read<boolean> {
  if (v === null || v === undefined) return UNKNOWN;
  return typeof v === 'boolean' ? value(v) : expected('boolean', v);
}

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** Numbers, and numeric strings ("100.00": zigbee-shepherd era, z2m-003). Never NaN or ±Infinity. */
export function readNumber(v: unknown): Read<number> {
  if (v === null || v === undefined) return UNKNOWN;
  const n = typeof v === 'number' ? v : typeof v === 'string' && NUMERIC.test(v) ? Number(v) : undefined;
  if (n === undefined) return expected('number', v);
  return Number.isFinite(n) ? value(n) : expected('finite number', v);
}

/** Battery percent, clamped to 0..100 (half-percent floats like 51.5 stay as they are: z2m-015). */
export function readBattery(v: unknown): Read<number> {
  const n = readNumber(v);
  return n.kind === 'value' ? value(Math.min(100, Math.max(0, n.value))) : n;
}

export function readEnum<T extends string>(options: readonly T[]): (v: unknown) => Read<T> {
  return (v) => {
    if (v === null || v === undefined) return UNKNOWN;
    if (typeof v === 'string' && (options as readonly string[]).includes(v)) return value(v as T);
    return expected(`one of ${options.join('|')}`, v);
  };
}

/**
 * Actions are events, not state: `""` and `null` are the reset after an event (z2m-009, z2m-023)
 * and mean "no event". `off` is Heiman HS1EB's zone status 0 (z2m-015 note): no call either.
 * Any other string is an action this gateway does not handle: 'unsupported', counted, not guessed.
 */
const NO_CALL_ACTIONS = new Set(['', 'off']);
const readCallActionEnum = readEnum(CallAction.options);
export function readCallAction(v: unknown): Read<CallAction> {
  if (typeof v === 'string' && NO_CALL_ACTIONS.has(v)) return UNKNOWN;
  const r = readCallActionEnum(v);
  if (r.kind === 'bad' && typeof v === 'string') {
    return { kind: 'bad', reason: 'unsupported', detail: `action "${v.slice(0, 40)}" is not a call action` };
  }
  return r;
}

/**
 * The JSON type of each field of the contract vocabulary (contract/fields.ts; a test checks the
 * two agree). Ranges and formats stay the contract schema's job.
 */
export type FieldType = 'boolean' | 'number' | readonly string[];

export const FIELD_TYPES: Readonly<Record<FieldName, FieldType>> = {
  smoke: 'boolean', heat: 'boolean', temperature: 'number', test: 'boolean',
  water_flow: 'boolean', pressure: 'number', valve: ['open', 'closed'],
  action: CallAction.options,
  sos: 'boolean', fall: 'boolean', heart_rate: 'number', spo2: 'number', steps: 'number', worn: 'boolean',
  latitude: 'number', longitude: 'number',
  occupancy: 'boolean', in_bed: 'boolean', contact: 'boolean', water_leak: 'boolean', presence: 'boolean',
  fall_down_status: FallDownStatus.options,
  battery: 'number', battery_low: 'boolean', tamper: 'boolean', fault: 'boolean',
};

export function isFieldName(key: string): key is FieldName {
  return Object.hasOwn(FIELD_TYPES, key);
}

/** Strict check (native payloads): the type error in the contract's words, or undefined. */
export function strictTypeError(v: unknown, type: FieldType): string | undefined {
  if (typeof type !== 'string') {
    return typeof v === 'string' && type.includes(v) ? undefined : `expected one of ${type.join('|')}, received ${jsonType(v)}`;
  }
  if (typeof v !== type) return `expected ${type}, received ${jsonType(v)}`;
  return typeof v === 'number' && !Number.isFinite(v) ? 'expected number, received Infinity' : undefined;
}

function lenientReader(type: FieldType): (v: unknown) => Read<unknown> {
  if (type === 'boolean') return readBoolean;
  if (type === 'number') return readNumber;
  return readEnum(type);
}

/** How each field's value is read from a lenient source such as Zigbee2MQTT. */
export const FIELD_READERS: Readonly<Record<FieldName, (v: unknown) => Read<unknown>>> = {
  ...(Object.fromEntries(Object.entries(FIELD_TYPES).map(([f, t]) => [f, lenientReader(t)])) as Record<FieldName, (v: unknown) => Read<unknown>>),
  battery: readBattery,
  action: readCallAction,
};

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A wire time as epoch ms: an ISO 8601 string with a zone, or epoch milliseconds.
 * Without a zone the instant is ambiguous, so it is not used.
 */
export function readWireTime(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 && v <= 8.64e15 ? Math.trunc(v) : undefined;
  if (typeof v !== 'string' || !ISO_WITH_ZONE.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}

// --- availability -----------------------------------------------------------------------------

/**
 * The availability word of a payload: the bare text (Zigbee2MQTT 1.x legacy payload, native
 * devices' will) or `state` of a `{"state": ...}` object (Zigbee2MQTT 2.x). `''` when empty.
 */
export function availabilityWord(payload: Buffer | Uint8Array | string): Decoded<string> {
  const text = payloadText(payload);
  if (!text.ok) return text;
  const trimmed = text.value.trim();
  if (!trimmed.startsWith('{')) return accept(trimmed);
  const json = parseJsonObject(trimmed);
  if (!json.ok) return json;
  const state = json.value['state'];
  if (typeof state !== 'string') return reject('schema', `state: expected online|offline, received ${jsonType(state)}`);
  return accept(state);
}

export function onlineFromWord(word: string): Decoded<{ online: boolean }> {
  if (word === 'online') return accept({ online: true });
  if (word === 'offline') return accept({ online: false });
  return reject('schema', `availability: expected online|offline, received ${JSON.stringify(word.slice(0, 40))}`);
}
