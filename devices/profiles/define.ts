import type { CallAction, DeviceFields, EventKind, FieldName } from '../../contract/index.ts';
import type { ProfileId } from '../profile-ids.ts';
import type { FieldMap } from '../codecs/platform/field-map.ts';

/**
 * A Zigbee2MQTT property read into one of our fields (zigbee-herdsman-converters publishes the
 * same meaning under different names per model: README §1 "SOS has at least four encodings",
 * "Heat alarms publish smoke or alarm"). `whenTrue`: a boolean property that signals a call.
 */
export type Z2mAlias =
  | { readonly property: string; readonly field: FieldName }
  | { readonly property: string; readonly field: 'action'; readonly whenTrue: CallAction };

/** Per-model mapping hints of a profile whose devices come through Zigbee2MQTT. */
export interface Z2mHints {
  /** Read when the model is unknown: every alias the profile's capabilities know, in order. */
  readonly aliases: readonly Z2mAlias[];
  /** Z2M definition `model` → the aliases that model publishes (replace the generic list). */
  readonly models: Readonly<Record<string, readonly Z2mAlias[]>>;
  /** The model `encodeZ2mState` imitates unless told otherwise. */
  readonly encodeModel: string;
}

/**
 * How an RFLink (433 MHz EV1527/PT2262 …) device of a profile reads (README §2). The line alone
 * cannot say: EV1527 sends `CMD=ON` for everything, so the profile decides what ON and OFF mean.
 */
export interface RflinkHints {
  /** Fields of `CMD=ON` (or an alarm key ON). */
  readonly on: DeviceFields;
  /** Fields of `CMD=OFF` (or an alarm key OFF). */
  readonly off: DeviceFields;
  /** Protocol-specific alarm keys read like CMD, before it (newer firmware prints both, rfl-009). */
  readonly alarmKeys?: readonly ('smokeAlert' | 'pir')[];
  /** `TEMP=` is the device's measurement (heat detectors). */
  readonly temperature?: boolean;
}

/** A composable piece of a device (zigbee-herdsman-converters `extend: [...]`). */
export interface Capability {
  readonly name: string;
  readonly fields: readonly FieldName[];
  readonly raises: readonly EventKind[];
  /** Fields whose reports prove a resident moved (inactivity rules). */
  readonly activitySignals?: readonly FieldName[];
  /** Needs a periodic test proof (JGJ/T 484-2019 10.3.1: alarm buttons and wearables weekly). */
  readonly testable?: boolean;
  readonly z2mAliases?: readonly Z2mAlias[];
  /** Service-data names carriers' platforms (CTWing, OneNET) report these fields under → field. */
  readonly platformNames?: FieldMap;
  /** A representative quiet state, for simulators and round-trip tests. */
  readonly sample: DeviceFields;
}

export type PowerSource = 'battery' | 'mains';

export interface DeviceProfile {
  readonly id: ProfileId;
  readonly title: string;
  readonly power: PowerSource;
  readonly fields: readonly FieldName[];
  /** Supervision period: silent longer than this → `device.offline`. Site files may override. */
  readonly reportIntervalSec: number;
  readonly raises: readonly EventKind[];
  readonly testable: boolean;
  readonly activitySignals: readonly FieldName[];
  /** Names of the capabilities it was composed of, in order. */
  readonly capabilities: readonly string[];
  readonly sample: DeviceFields;
  /** Present when the profile's devices are known to come through Zigbee2MQTT. */
  readonly z2m?: Z2mHints;
  /** Present when the profile's devices can come through an RFLink receiver. */
  readonly rflink?: RflinkHints;
  /** Platform service-data names of its capabilities (devices/codecs/platform/field-map.ts reads them). */
  readonly platformNames: FieldMap;
}

export interface ProfileDefinition {
  id: ProfileId;
  title: string;
  power: PowerSource;
  reportIntervalSec: number;
  extend: readonly Capability[];
  z2m?: { models: Readonly<Record<string, readonly Z2mAlias[]>>; encodeModel: string };
  rflink?: RflinkHints;
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/**
 * Builds a profile from its capabilities. Every profile is supervised (it has a report
 * interval), so every profile raises `device.offline`.
 */
export function defineProfile(def: ProfileDefinition): DeviceProfile {
  const caps = def.extend;
  const profile: DeviceProfile = {
    id: def.id,
    title: def.title,
    power: def.power,
    fields: unique(caps.flatMap((c) => c.fields)),
    reportIntervalSec: def.reportIntervalSec,
    raises: unique<EventKind>([...caps.flatMap((c) => c.raises), 'device.offline']),
    testable: caps.some((c) => c.testable === true),
    activitySignals: unique(caps.flatMap((c) => c.activitySignals ?? [])),
    capabilities: caps.map((c) => c.name),
    sample: Object.assign({}, ...caps.map((c) => c.sample)) as DeviceFields,
    platformNames: Object.assign({}, ...caps.map((c) => c.platformNames ?? {})) as FieldMap,
    ...(def.z2m && {
      z2m: {
        aliases: caps.flatMap((c) => c.z2mAliases ?? []),
        models: def.z2m.models,
        encodeModel: def.z2m.encodeModel,
      },
    }),
    ...(def.rflink && { rflink: def.rflink }),
  };
  return Object.freeze(profile);
}

/**
 * Supervision periods. Zigbee2MQTT marks passive (battery) devices offline after 1500 min
 * without a check-in and active (mains) ones after 10 min (README §1, device-availability docs):
 * a battery detector checks in at least daily, so 25 h allows one late check-in.
 */
export const PASSIVE_SUPERVISION_SEC = 1500 * 60;
export const ACTIVE_SUPERVISION_SEC = 10 * 60;
