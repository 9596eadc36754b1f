import { checkFieldBytes, computeCheck, writeCheck, type GbChecksumKind } from './checksum.ts';
import type { GbCommand } from './constants.ts';
import { END, HEADER_BYTES, OFFSET, START } from './frame-layout.ts';
import type { GbFrame } from './frame-decoder.ts';
import { DEFAULT_TZ_OFFSET_MINUTES, msToTimeFields, writeTimeFields, type GbTimeFields } from './panel-time.ts';

/** Frame encoder for simulators and for the gateway's replies (same layout the decoder reads). */
export interface GbFrameInput {
  serial: number;
  /** [main, user]; default 1.1. */
  version?: [number, number];
  /** Epoch ms (written as panel wall time at the offset) or the six fields as-is. */
  time: number | GbTimeFields;
  source: number;
  destination: number;
  command: GbCommand;
  appData?: Uint8Array;
}

export interface GbEncodeOptions {
  tzOffsetMinutes?: number;
  checksum?: GbChecksumKind;
}

const MAX_ADDRESS = 2 ** 48 - 1;

export function encodeGb26875Frame(input: GbFrameInput, opts: GbEncodeOptions = {}): Buffer {
  const kind = opts.checksum ?? 'sum8';
  const app = input.appData ?? new Uint8Array(0);
  if (app.length > 0xffff) throw new RangeError(`application data of ${app.length} bytes does not fit the 16-bit length`);
  for (const [name, a] of [['source', input.source], ['destination', input.destination]] as const) {
    if (!Number.isInteger(a) || a < 0 || a > MAX_ADDRESS) throw new RangeError(`${name} address ${a} is not a 6-byte unsigned integer`);
  }
  const checkAt = OFFSET.appData + app.length;
  const buf = Buffer.alloc(checkAt + checkFieldBytes(kind) + 2);
  buf[0] = START;
  buf[1] = START;
  buf.writeUInt16LE(input.serial & 0xffff, OFFSET.serial);
  const [main, user] = input.version ?? [1, 1];
  buf[OFFSET.version] = main;
  buf[OFFSET.version + 1] = user;
  const time = typeof input.time === 'number' ? msToTimeFields(input.time, opts.tzOffsetMinutes ?? DEFAULT_TZ_OFFSET_MINUTES) : input.time;
  writeTimeFields(buf, OFFSET.time, time);
  buf.writeUIntLE(input.source, OFFSET.source, 6);
  buf.writeUIntLE(input.destination, OFFSET.destination, 6);
  buf.writeUInt16LE(app.length, OFFSET.appLength);
  buf[OFFSET.command] = input.command;
  buf.set(app, OFFSET.appData);
  writeCheck(kind, buf, checkAt, computeCheck(kind, buf, OFFSET.serial, checkAt));
  buf[buf.length - 2] = END;
  buf[buf.length - 1] = END;
  return buf;
}

/**
 * The confirm (command 3) that acknowledges a send-data frame: same serial and version, source
 * and destination swapped, no application data. Without `now` the frame's own time label is
 * echoed, as the reference Go server does (gb-011); with `now`, the reply carries its send time.
 */
export function encodeGb26875Confirm(frame: GbFrame, now?: Date, opts: GbEncodeOptions = {}): Buffer {
  return reply(frame, 3, now, opts);
}

/** The deny (command 6) for a frame the receiver refuses; same shape as the confirm. */
export function encodeGb26875Deny(frame: GbFrame, now?: Date, opts: GbEncodeOptions = {}): Buffer {
  return reply(frame, 6, now, opts);
}

function reply(frame: GbFrame, command: 3 | 6, now: Date | undefined, opts: GbEncodeOptions): Buffer {
  return encodeGb26875Frame({
    serial: frame.serial,
    version: frame.version,
    time: now ? now.getTime() : frame.timeFields,
    source: frame.destination,
    destination: frame.source,
    command,
  }, opts);
}

/** Size of the fixed header, for callers that size buffers. */
export const GB_HEADER_BYTES = HEADER_BYTES;
