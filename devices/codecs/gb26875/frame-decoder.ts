import { accept, reject, type Decoded } from '../../decoded.ts';
import { decodeAppData } from './app-data.ts';
import { checkFieldBytes, computeCheck, formatCheck, readCheck, type GbChecksumKind } from './checksum.ts';
import { GB_COMMANDS, isGbCommand, type GbCommand, type GbCommandName } from './constants.ts';
import { END, frameBytes, HEADER_BYTES, OFFSET, readAppLength, START } from './frame-layout.ts';
import type { GbInfoUnit } from './info-units.ts';
import { DEFAULT_TZ_OFFSET_MINUTES, formatTimeFields, readTimeFields, timeFieldsToMs, type GbTimeFields } from './panel-time.ts';

/**
 * Protocol decoder of GB/T 26875.3 (Traccar split: what one whole frame means). Takes one frame
 * as the splitter cut it, or any buffer: every envelope rule is checked again here.
 */
export interface GbFrame {
  serial: number;
  /** Protocol version bytes as sent: [main, user] (01 01 = 1.1). */
  version: [number, number];
  /** Header time label in epoch ms (panel wall time read at `tzOffsetMinutes`); null if no calendar time. */
  time: number | null;
  timeFields: GbTimeFields;
  /** 6-byte addresses, low byte first on the wire. */
  source: number;
  destination: number;
  command: GbCommand;
  commandName: GbCommandName;
  appDataLength: number;
  checksum: number;
  /** Application data type flag, null for frames without application data (confirm, deny). */
  appType: number | null;
  appTypeName: string | null;
  units: GbInfoUnit[];
}

export interface GbDecodeOptions {
  /** Offset of the panel's clock from UTC, minutes; default +08:00. */
  tzOffsetMinutes?: number;
  checksum?: GbChecksumKind;
}

export function decodeGb26875Frame(frame: Uint8Array, opts: GbDecodeOptions = {}): Decoded<GbFrame> {
  const kind = opts.checksum ?? 'sum8';
  const tz = opts.tzOffsetMinutes ?? DEFAULT_TZ_OFFSET_MINUTES;
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (buf.length < HEADER_BYTES) return reject('truncated', `${buf.length} byte(s), fewer than the ${HEADER_BYTES}-byte header`);
  if (buf[0] !== START || buf[1] !== START) return reject('bad_frame', `starts ${buf.subarray(0, 2).toString('hex')}, not 40 40 ("@@")`);
  const appDataLength = readAppLength(buf);
  const size = frameBytes(appDataLength, kind);
  if (buf.length < size) return reject('truncated', `${buf.length} of ${size} bytes (declared application data length ${appDataLength})`);
  if (buf.length > size) return reject('bad_frame', `${buf.length} bytes where the declared application data length ${appDataLength} makes ${size}`);
  if (buf[size - 2] !== END || buf[size - 1] !== END) {
    return reject('bad_frame', `trailer ${buf.subarray(size - 2).toString('hex')}, not 23 23 ("##")`);
  }
  const checkAt = size - 2 - checkFieldBytes(kind);
  const checksum = readCheck(kind, buf, checkAt);
  const want = computeCheck(kind, buf, OFFSET.serial, checkAt);
  if (checksum !== want) return reject('bad_checksum', `${kind} ${formatCheck(kind, checksum)} in frame, computed ${formatCheck(kind, want)}`);
  const command = buf[OFFSET.command] as number;
  if (!isGbCommand(command)) return reject('unsupported', `command byte ${command} (1–6 are defined; 7–127 reserved, 128–255 vendor)`);

  const data = buf.subarray(OFFSET.appData, OFFSET.appData + appDataLength);
  const app = decodeAppData(data, tz);
  if (app !== null && 'ok' in app) return app;
  const timeFields = readTimeFields(buf, OFFSET.time);
  return accept({
    serial: buf.readUInt16LE(OFFSET.serial),
    version: [buf[OFFSET.version] as number, buf[OFFSET.version + 1] as number],
    time: timeFieldsToMs(timeFields, tz),
    timeFields,
    source: buf.readUIntLE(OFFSET.source, 6),
    destination: buf.readUIntLE(OFFSET.destination, 6),
    command,
    commandName: GB_COMMANDS[command],
    appDataLength,
    checksum,
    appType: app?.type ?? null,
    appTypeName: app?.typeName ?? null,
    units: app?.units ?? [],
  });
}

/** `0x010203040506`: how logs and the fixtures write a 6-byte address. */
export function formatGbAddress(address: number): string {
  return `0x${address.toString(16).padStart(12, '0')}`;
}

export function formatGbFrameTime(frame: GbFrame): string {
  return formatTimeFields(frame.timeFields);
}
