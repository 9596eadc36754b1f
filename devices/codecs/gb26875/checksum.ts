/**
 * Check fields of the `@@ … ##` envelope. The standard's is `sum8`; `crc16-modbus` is a vendor
 * variant seen in dgiot's samples (fixture gb-009). Which one a port speaks is configuration,
 * never a guess from the bytes (README §3).
 */
export type GbChecksumKind = 'sum8' | 'crc16-modbus';

/** Width of the check field in bytes. */
export function checkFieldBytes(kind: GbChecksumKind): 1 | 2 {
  return kind === 'sum8' ? 1 : 2;
}

/** GB/T 26875.3: sum of every byte from the serial number through the last application byte, mod 256. */
export function sum8(buf: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum = (sum + (buf[i] as number)) & 0xff;
  return sum;
}

/** CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), sent low byte first. */
export function crc16Modbus(buf: Uint8Array, from: number, to: number): number {
  let crc = 0xffff;
  for (let i = from; i < to; i++) {
    crc ^= buf[i] as number;
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** The check value of bytes [from, to) read the way it sits on the wire. */
export function computeCheck(kind: GbChecksumKind, buf: Uint8Array, from: number, to: number): number {
  return kind === 'sum8' ? sum8(buf, from, to) : crc16Modbus(buf, from, to);
}

export function readCheck(kind: GbChecksumKind, buf: Uint8Array, at: number): number {
  return kind === 'sum8' ? (buf[at] as number) : (buf[at] as number) | ((buf[at + 1] as number) << 8);
}

export function writeCheck(kind: GbChecksumKind, buf: Uint8Array, at: number, value: number): void {
  buf[at] = value & 0xff;
  if (kind === 'crc16-modbus') buf[at + 1] = (value >> 8) & 0xff;
}

export function formatCheck(kind: GbChecksumKind, value: number): string {
  return `0x${value.toString(16).padStart(kind === 'sum8' ? 2 : 4, '0')}`;
}
