import {
  COMPONENT_STATUS_BITS, SYSTEM_OPERATION_BITS, SYSTEM_STATUS_BITS, TRANSMISSION_DEVICE_OPERATION_BITS, TRANSMISSION_DEVICE_STATUS_BITS,
} from './constants.ts';
import { encodeDescription } from './description.ts';
import { DEFAULT_TZ_OFFSET_MINUTES, msToTimeFields, writeTimeFields, type GbTimeFields } from './panel-time.ts';

/**
 * Application data of the upload types a transmission device sends (1 system status, 2 component
 * status, 4 system operation, 21 device status, 24 device operation, 28 device time): for the
 * simulators, and for the gateway's own upstream link to the fire remote-monitoring centre. Bad
 * input here is a programming error of the caller, so it throws.
 */
type FlagInput<Names extends readonly string[]> = number | Partial<Record<Names[number], boolean>>;

export interface GbSystemStatusInput {
  systemType: number;
  systemAddress: number;
  status: FlagInput<typeof SYSTEM_STATUS_BITS>;
  time: number | GbTimeFields;
}

export interface GbComponentStatusInput {
  systemType: number;
  systemAddress: number;
  componentType: number;
  componentAddress: number;
  status: FlagInput<typeof COMPONENT_STATUS_BITS>;
  /** Up to 31 bytes once GB18030-encoded. */
  description?: string;
  time: number | GbTimeFields;
}

export interface GbSystemOperationInput {
  systemType: number;
  systemAddress: number;
  operation: FlagInput<typeof SYSTEM_OPERATION_BITS>;
  operator?: number;
  time: number | GbTimeFields;
}

export interface GbTransmissionDeviceStatusInput {
  status: FlagInput<typeof TRANSMISSION_DEVICE_STATUS_BITS>;
  time: number | GbTimeFields;
}

export interface GbTransmissionDeviceOperationInput {
  operation: FlagInput<typeof TRANSMISSION_DEVICE_OPERATION_BITS>;
  operator?: number;
  time: number | GbTimeFields;
}

function flags(input: number | Partial<Record<string, boolean>>, names: readonly string[]): number {
  if (typeof input === 'number') return input;
  let value = 0;
  names.forEach((name, bit) => {
    if (input[name]) value |= 1 << bit;
  });
  return value;
}

function writeTime(buf: Buffer, at: number, time: number | GbTimeFields, tz: number): void {
  writeTimeFields(buf, at, typeof time === 'number' ? msToTimeFields(time, tz) : time);
}

function unit(type: number, size: number, objects: readonly unknown[], write: (buf: Buffer, at: number, i: number) => void): Buffer {
  if (objects.length > 255) throw new RangeError(`${objects.length} objects: one application data unit holds at most 255`);
  const buf = Buffer.alloc(2 + size * objects.length);
  buf[0] = type;
  buf[1] = objects.length;
  for (let i = 0; i < objects.length; i++) write(buf, 2 + i * size, i);
  return buf;
}

export function encodeSystemStatusData(objects: readonly GbSystemStatusInput[], tz = DEFAULT_TZ_OFFSET_MINUTES): Buffer {
  return unit(1, 10, objects, (buf, at, i) => {
    const o = objects[i] as GbSystemStatusInput;
    buf[at] = o.systemType;
    buf[at + 1] = o.systemAddress;
    buf.writeUInt16LE(flags(o.status, SYSTEM_STATUS_BITS), at + 2);
    writeTime(buf, at + 4, o.time, tz);
  });
}

export function encodeComponentStatusData(objects: readonly GbComponentStatusInput[], tz = DEFAULT_TZ_OFFSET_MINUTES): Buffer {
  return unit(2, 46, objects, (buf, at, i) => {
    const o = objects[i] as GbComponentStatusInput;
    buf[at] = o.systemType;
    buf[at + 1] = o.systemAddress;
    buf[at + 2] = o.componentType;
    buf.writeUInt32LE(o.componentAddress, at + 3);
    buf.writeUInt16LE(flags(o.status, COMPONENT_STATUS_BITS), at + 7);
    const text = encodeDescription(o.description ?? '');
    if (!text) throw new RangeError(`description "${o.description}" is not 31 bytes or less of two-byte GB18030`);
    buf.set(text, at + 9);
    writeTime(buf, at + 40, o.time, tz);
  });
}

export function encodeTransmissionDeviceStatusData(objects: readonly GbTransmissionDeviceStatusInput[], tz = DEFAULT_TZ_OFFSET_MINUTES): Buffer {
  return unit(21, 7, objects, (buf, at, i) => {
    const o = objects[i] as GbTransmissionDeviceStatusInput;
    buf[at] = flags(o.status, TRANSMISSION_DEVICE_STATUS_BITS);
    writeTime(buf, at + 1, o.time, tz);
  });
}

export function encodeTransmissionDeviceOperationData(objects: readonly GbTransmissionDeviceOperationInput[], tz = DEFAULT_TZ_OFFSET_MINUTES): Buffer {
  return unit(24, 8, objects, (buf, at, i) => {
    const o = objects[i] as GbTransmissionDeviceOperationInput;
    buf[at] = flags(o.operation, TRANSMISSION_DEVICE_OPERATION_BITS);
    buf[at + 1] = o.operator ?? 0;
    writeTime(buf, at + 2, o.time, tz);
  });
}

export function encodeSystemOperationData(objects: readonly GbSystemOperationInput[], tz = DEFAULT_TZ_OFFSET_MINUTES): Buffer {
  return unit(4, 10, objects, (buf, at, i) => {
    const o = objects[i] as GbSystemOperationInput;
    buf[at] = o.systemType;
    buf[at + 1] = o.systemAddress;
    buf[at + 2] = flags(o.operation, SYSTEM_OPERATION_BITS);
    buf[at + 3] = o.operator ?? 0;
    writeTime(buf, at + 4, o.time, tz);
  });
}

/** Type 28: the transmission device's clock, the answer to the centre's read-time request (88). */
export function encodeTransmissionDeviceTimeData(time: number | GbTimeFields, tz = DEFAULT_TZ_OFFSET_MINUTES): Buffer {
  return unit(28, 6, [time], (buf, at) => writeTime(buf, at, time, tz));
}
