import { checkFieldBytes, type GbChecksumKind } from './checksum.ts';

/**
 * Byte layout of the GB/T 26875.3 envelope (README §3):
 * `40 40 | serial 2 LE | version 2 | time 6 | source 6 LE | dest 6 LE | len 2 LE | cmd 1 | app (len) | check | 23 23`
 */
export const START = 0x40; // '@'
/** '#' is 0x23 (decimal 35); chengming0916/GB26875 declares 0x35 0x35, a decimal/hex mix-up (README §3). */
export const END = 0x23;
export const OFFSET = {
  serial: 2,
  version: 4,
  time: 6,
  source: 12,
  destination: 18,
  appLength: 24,
  command: 26,
  appData: 27,
} as const;
/** Bytes needed before the declared length can be read. */
export const HEADER_BYTES = 26;

/**
 * Bound on the declared application data length. The standard limits an application data unit
 * to 1024 bytes (as recalled; its text is not in our corpus); 2048 leaves vendor slack while a
 * garbage length still cannot make a splitter hold more than ~2 KiB.
 */
export const DEFAULT_MAX_APP_BYTES = 2048;

/** Whole frame size for a declared app length: 30 + len with the 1-byte sum, 31 + len with a CRC. */
export function frameBytes(appLength: number, checksum: GbChecksumKind): number {
  return HEADER_BYTES + 1 + appLength + checkFieldBytes(checksum) + 2;
}

export function readAppLength(buf: Uint8Array, at = 0): number {
  return (buf[at + OFFSET.appLength] as number) | ((buf[at + OFFSET.appLength + 1] as number) << 8);
}

export function hexPreview(buf: Uint8Array, max = 16): string {
  const shown = Buffer.from(buf.subarray(0, max)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return buf.length > max ? `${shown} …` : shown;
}
