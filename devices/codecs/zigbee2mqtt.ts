import type { DeviceFields, FieldName } from '../../contract/index.ts';
import { DeviceFields as DeviceFieldsSchema } from '../../contract/index.ts';
import type { Decoded } from '../decoded.ts';
import { accept, reject } from '../decoded.ts';
import type { DeviceProfile, Z2mAlias } from '../profiles/define.ts';
import type { JsonObject, Read } from './coerce.ts';
import {
  availabilityWord, FIELD_READERS, formatZodIssue, onlineFromWord, parseJsonObject, payloadText,
  readBoolean, readWireTime,
} from './coerce.ts';

/**
 * Zigbee2MQTT codec (test/fixtures/README.md §1). A state message is the device's whole cached
 * state. The profile decides what a property means: only the profile's fields and its z2m
 * aliases are read, everything else (linkquality, voltage, device info, vendor extras) is
 * ignored. A property that is read but has the wrong type rejects the message ('schema'):
 * a life-safety value we cannot read must be counted, not silently become "unknown".
 */

export interface Z2mState {
  fields: DeviceFields;
  /** From `last_seen` (ISO with zone, or epoch ms) when present; the caller uses receive time otherwise. */
  ts?: number;
}

interface PropertyStep {
  property: string;
  field: FieldName;
  read: (v: unknown) => Read<unknown>;
}

function aliasStep(alias: Z2mAlias): PropertyStep {
  if ('whenTrue' in alias) {
    const { whenTrue } = alias;
    return {
      property: alias.property,
      field: alias.field,
      // A boolean SOS is a call when true; false is "no call", never a cancel.
      read: (v) => {
        const b = readBoolean(v);
        if (b.kind !== 'value') return b;
        return b.value ? { kind: 'value', value: whenTrue } : { kind: 'unknown' };
      },
    };
  }
  return { property: alias.property, field: alias.field, read: FIELD_READERS[alias.field] };
}

/** The model's alias list when the profile knows the model, else every alias of the profile. */
function aliasesFor(profile: DeviceProfile, model: string | undefined): { key: string; aliases: readonly Z2mAlias[] } {
  const hints = profile.z2m;
  if (!hints) return { key: '', aliases: [] };
  if (model !== undefined && Object.hasOwn(hints.models, model)) {
    return { key: model, aliases: hints.models[model] ?? [] };
  }
  return { key: '', aliases: hints.aliases };
}

const plans = new WeakMap<DeviceProfile, Map<string, readonly PropertyStep[]>>();

/** The properties to read, in precedence order: the field's own name first, then aliases. */
function planFor(profile: DeviceProfile, model: string | undefined): readonly PropertyStep[] {
  const { key, aliases } = aliasesFor(profile, model);
  let byModel = plans.get(profile);
  if (!byModel) plans.set(profile, (byModel = new Map()));
  const cached = byModel.get(key);
  if (cached) return cached;
  const steps: PropertyStep[] = [
    ...profile.fields.map((field) => ({ property: field, field, read: FIELD_READERS[field] })),
    ...aliases.filter((a) => profile.fields.includes(a.field)).map(aliasStep),
  ];
  byModel.set(key, steps);
  return steps;
}

/** `include_device_information` nests `device.model`; `device.status` is not availability (z2m-030). */
function deviceInfoModel(state: JsonObject): string | undefined {
  const device = state['device'];
  if (typeof device !== 'object' || device === null || Array.isArray(device)) return undefined;
  const model = (device as JsonObject)['model'];
  return typeof model === 'string' ? model : undefined;
}

export function decodeZ2mState(payload: Buffer | string, profile: DeviceProfile, model?: string): Decoded<Z2mState> {
  const json = parseJsonObject(payload);
  if (!json.ok) return json;
  const state = json.value;
  const fields: Record<string, unknown> = {};
  for (const step of planFor(profile, model ?? deviceInfoModel(state))) {
    if (!Object.hasOwn(state, step.property)) continue; // missing key = unknown (z2m-019)
    const read = step.read(state[step.property]);
    if (read.kind === 'bad') return reject(read.reason, `${step.property}: ${read.detail}`);
    if (read.kind === 'value' && !Object.hasOwn(fields, step.field)) fields[step.field] = read.value;
  }
  const checked = DeviceFieldsSchema.safeParse(fields); // ranges: temperature, spo2, steps ...
  if (!checked.success) return reject('schema', formatZodIssue(checked.error));
  const ts = readWireTime(state['last_seen']);
  return accept(ts === undefined ? { fields: checked.data } : { fields: checked.data, ts });
}

/**
 * `<base>/<name>/availability`: bare `online`/`offline` (1.x legacy) or `{"state":...}` (2.x).
 * An empty retained payload is the deletion of the old topic on rename/removal: `removed`.
 */
export function decodeZ2mAvailability(payload: Buffer | string): Decoded<{ online: boolean } | { removed: true }> {
  const word = availabilityWord(payload);
  if (!word.ok) return word;
  if (word.value === '') return accept({ removed: true });
  return onlineFromWord(word.value);
}

/**
 * `<base>/bridge/state`, retained and the bridge's MQTT last will (`{"state":"offline"}`,
 * z2m-035): offline makes every device behind the bridge unknown, one root cause.
 */
export function decodeZ2mBridgeState(payload: Buffer | string): Decoded<{ online: boolean }> {
  const word = availabilityWord(payload);
  if (!word.ok) return word;
  if (word.value === '') return reject('schema', 'empty bridge state (retained message deleted)');
  return onlineFromWord(word.value);
}

const LEGACY_ACTION = /^[\x21-\x7e]{1,64}$/;

/**
 * The legacy `<base>/<name>/action` topic: the same event as the state's `action`, as a bare
 * string (z2m-013). The gateway counts an event once by taking it from the JSON state topic
 * only; this decoder exists so the legacy copy can be recognised, logged and dropped.
 */
export function decodeZ2mLegacyAction(payload: Buffer | string): Decoded<{ action: string }> {
  const text = payloadText(payload);
  if (!text.ok) return text;
  const action = text.value.trim();
  if (action === '') return reject('schema', 'empty action');
  if (!LEGACY_ACTION.test(action)) return reject('schema', 'action: expected a bare word of at most 64 printable characters');
  return accept({ action });
}

export interface Z2mEncodeOptions {
  /** The Z2M model to imitate; defaults to the profile's `z2m.encodeModel`. */
  model?: string;
  lastSeen?: number | string;
  linkquality?: number;
}

/** What Zigbee2MQTT would publish on `<base>/<name>` for this profile's model (for simulators). */
export function encodeZ2mState(fields: DeviceFields, profile: DeviceProfile, opts: Z2mEncodeOptions = {}): string {
  const model = opts.model ?? profile.z2m?.encodeModel;
  const aliases = profile.z2m && model !== undefined && Object.hasOwn(profile.z2m.models, model)
    ? profile.z2m.models[model] ?? []
    : [];
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    const alias = aliases.find((a) => a.field === field && (!('whenTrue' in a) || a.whenTrue === value));
    if (alias) out[alias.property] = 'whenTrue' in alias ? true : value;
    else out[field] = value;
  }
  if (opts.linkquality !== undefined) out['linkquality'] = opts.linkquality;
  if (opts.lastSeen !== undefined) out['last_seen'] = opts.lastSeen;
  return JSON.stringify(out);
}

export function encodeZ2mAvailability(online: boolean, legacy = false): string {
  const state = online ? 'online' : 'offline';
  return legacy ? state : JSON.stringify({ state });
}
