/**
 * The DC-09 block CRC: CRC-16 with polynomial x¹⁶+x¹⁵+x²+1 processed LSB first (0xA001
 * reflected), initial value 0, no final XOR — "CRC-16/ARC", the same routine SIA DC-07 uses.
 * It covers every byte from the opening `"` of the ID token to the last byte before the CR
 * (ANSI/SIA DC-09-2013 5.5.1.2; checked against the public examples in test/fixtures/sia-dc09).
 */
export function crc16Arc(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let crc = 0;
  for (let i = from; i < to; i++) {
    crc ^= bytes[i] as number;
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Four upper-case hex digits, as the header carries the CRC and the length. */
export function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
