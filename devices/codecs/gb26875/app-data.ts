import { reject, type Rejected } from '../../decoded.ts';
import {
  COMPONENT_STATUS_BITS, decodeFlags, GB_ANALOG_TYPES, GB_APP_TYPE_NAMES, GB_COMPONENT_TYPE_NAMES,
  GB_SYSTEM_TYPE_NAMES, nameOr, SYSTEM_OPERATION_BITS, SYSTEM_STATUS_BITS,
  TRANSMISSION_DEVICE_OPERATION_BITS, TRANSMISSION_DEVICE_STATUS_BITS,
} from './constants.ts';
import { decodeDescription, DESCRIPTION_BYTES } from './description.ts';
import type { GbInfoUnit } from './info-units.ts';
import { formatTimeFields, readTimeFields, timeFieldsToMs } from './panel-time.ts';

/**
 * Application data unit = type flag (1) + object count (1) + objects (README §3). Object sizes
 * of types 1–8 and 21–28 are verified against the Go codec's tests; the query sizes (61–91) are
 * the standard's tables as implemented elsewhere, only 89 is covered by a fixture (gb-007).
 */
export interface GbAppData {
  type: number;
  typeName: string;
  units: GbInfoUnit[];
}

type Reader = (buf: Buffer, at: number, tz: number) => GbInfoUnit;
interface ObjectCodec {
  /** Fixed size, or a function of the bytes at `at` for variable objects (null: not enough bytes). */
  size: number | ((buf: Buffer, at: number) => number | null);
  read: Reader;
}

function timed(buf: Buffer, at: number, tz: number) {
  const fields = readTimeFields(buf, at);
  return { time: timeFieldsToMs(fields, tz), panelTime: formatTimeFields(fields) };
}

function system(buf: Buffer, at: number) {
  const systemType = buf[at] as number;
  return { systemType, systemTypeName: nameOr(GB_SYSTEM_TYPE_NAMES, systemType), systemAddress: buf[at + 1] as number };
}

function component(buf: Buffer, at: number) {
  const componentType = buf[at + 2] as number;
  return {
    ...system(buf, at),
    componentType,
    componentTypeName: nameOr(GB_COMPONENT_TYPE_NAMES, componentType),
    componentAddress: buf.readUInt32LE(at + 3),
  };
}

const lengthPrefixed = (prefix: number) => (buf: Buffer, at: number) =>
  at + prefix <= buf.length ? prefix + (buf[at + prefix - 1] as number) : null;

const UPLOADS: Readonly<Record<number, ObjectCodec>> = {
  1: { size: 10, read: (b, at, tz) => ({ kind: 'system_status', ...system(b, at), statusRaw: b.readUInt16LE(at + 2), status: decodeFlags(b.readUInt16LE(at + 2), 16, SYSTEM_STATUS_BITS), ...timed(b, at + 4, tz) }) },
  2: { size: 46, read: (b, at, tz) => ({
    kind: 'component_status', ...component(b, at),
    statusRaw: b.readUInt16LE(at + 7), status: decodeFlags(b.readUInt16LE(at + 7), 16, COMPONENT_STATUS_BITS),
    description: decodeDescription(b.subarray(at + 9, at + 9 + DESCRIPTION_BYTES)), ...timed(b, at + 40, tz),
  }) },
  3: { size: 16, read: (b, at, tz) => {
    const analogType = b[at + 7] as number;
    const spec = GB_ANALOG_TYPES[analogType];
    const raw = b.readInt16LE(at + 8);
    const scale = spec?.scale ?? 1;
    // Decimal arithmetic: 207 × 0.1 must print 20.7, not 20.700000000000003.
    const value = scale < 1 ? raw / Math.round(1 / scale) : raw * scale;
    return {
      kind: 'component_analog_value', ...component(b, at), analogType,
      analogTypeName: spec?.name ?? `type_${analogType}`, raw, value, unit: spec?.unit ?? '', ...timed(b, at + 10, tz),
    };
  } },
  4: { size: 10, read: (b, at, tz) => ({ kind: 'system_operation', ...system(b, at), operationRaw: b[at + 2] as number, operation: decodeFlags(b[at + 2] as number, 8, SYSTEM_OPERATION_BITS), operator: b[at + 3] as number, ...timed(b, at + 4, tz) }) },
  5: { size: 4, read: (b, at) => ({ kind: 'system_software_version', ...system(b, at), major: b[at + 2] as number, minor: b[at + 3] as number }) },
  6: { size: lengthPrefixed(3), read: (b, at) => ({ kind: 'system_config', ...system(b, at), config: decodeDescription(b.subarray(at + 3, at + 3 + (b[at + 2] as number))) }) },
  7: { size: 38, read: (b, at) => ({ kind: 'component_config', ...component(b, at), description: decodeDescription(b.subarray(at + 7, at + 7 + DESCRIPTION_BYTES)) }) },
  8: { size: 8, read: (b, at, tz) => ({ kind: 'system_time', ...system(b, at), ...timed(b, at + 2, tz) }) },
  21: { size: 7, read: (b, at, tz) => ({ kind: 'transmission_device_status', statusRaw: b[at] as number, status: decodeFlags(b[at] as number, 8, TRANSMISSION_DEVICE_STATUS_BITS), ...timed(b, at + 1, tz) }) },
  24: { size: 8, read: (b, at, tz) => ({ kind: 'transmission_device_operation', operationRaw: b[at] as number, operation: decodeFlags(b[at] as number, 8, TRANSMISSION_DEVICE_OPERATION_BITS), operator: b[at + 1] as number, ...timed(b, at + 2, tz) }) },
  25: { size: 2, read: (b, at) => ({ kind: 'transmission_device_software_version', major: b[at] as number, minor: b[at + 1] as number }) },
  26: { size: lengthPrefixed(1), read: (b, at) => ({ kind: 'transmission_device_config', config: decodeDescription(b.subarray(at + 1, at + 1 + (b[at] as number))) }) },
  28: { size: 6, read: (b, at, tz) => ({ kind: 'transmission_device_time', ...timed(b, at, tz) }) },
};

/** Object sizes of the centre's reads and controls (61–68 name a system or component; 81–91 the device). */
const QUERY_SIZES: Readonly<Record<number, number>> = {
  61: 2, 62: 6, 63: 6, 64: 9, 65: 2, 66: 2, 67: 6, 68: 2,
  81: 1, 84: 7, 85: 1, 86: 1, 88: 1, 89: 1, 90: 6, 91: 1,
};

function codecFor(type: number): ObjectCodec | undefined {
  const upload = UPLOADS[type];
  if (upload) return upload;
  const size = QUERY_SIZES[type];
  if (size === undefined) return undefined;
  return { size, read: (b, at) => ({ kind: 'query', type, typeName: nameOr(GB_APP_TYPE_NAMES, type), raw: Buffer.from(b.subarray(at, at + size)) }) };
}

/** Decodes the application data of a frame; empty data (confirm, deny) is null. */
export function decodeAppData(data: Buffer, tzOffsetMinutes: number): GbAppData | null | Rejected {
  if (data.length === 0) return null;
  if (data.length < 2) return reject('bad_frame', `application data of ${data.length} byte(s): needs a type flag and an object count`);
  const type = data[0] as number;
  const count = data[1] as number;
  const typeName = nameOr(GB_APP_TYPE_NAMES, type);
  const codec = codecFor(type);
  if (!codec) return { type, typeName, units: [{ kind: 'unsupported', type, raw: Buffer.from(data.subarray(2)) }] };
  const units: GbInfoUnit[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const size = typeof codec.size === 'number' ? codec.size : codec.size(data, at);
    if (size === null || at + size > data.length) {
      return reject('bad_frame', `type ${type} (${typeName}) declares ${count} object(s) but object ${i + 1} runs past the ${data.length}-byte application data`);
    }
    units.push(codec.read(data, at, tzOffsetMinutes));
    at += size;
  }
  // Bytes after the declared objects are tolerated: the check field already vouched for the frame.
  return { type, typeName, units };
}
