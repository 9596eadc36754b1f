/**
 * Binary content escaping of the "3G*" protocol: inside a frame, AMR voice (`TK`) and image
 * payloads carry the bytes `}` `[` `]` `,` `*` as 0x7D followed by 0x01..0x05 (traccar
 * WatchFrameDecoder; fixture watch-021). The length field counts the UNescaped bytes.
 */
const ESCAPED: Readonly<Record<number, number>> = {
  0x01: 0x7d, // }
  0x02: 0x5b, // [
  0x03: 0x5d, // ]
  0x04: 0x2c, // ,
  0x05: 0x2a, // *
};
const ESCAPE_OF: Readonly<Record<number, number>> = { 0x7d: 0x01, 0x5b: 0x02, 0x5d: 0x03, 0x2c: 0x04, 0x2a: 0x05 };
export const ESCAPE_BYTE = 0x7d;

export type UnescapeResult = { ok: true; bytes: Buffer } | { ok: false; offset: number; byte: number | undefined };

/** Undo the 7D-escapes; an escape byte followed by anything but 01..05 is a broken frame. */
export function unescapeWatch(bytes: Buffer): UnescapeResult {
  if (bytes.indexOf(ESCAPE_BYTE) < 0) return { ok: true, bytes };
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== ESCAPE_BYTE) { out[n++] = b; continue; }
    const next = bytes[i + 1];
    const plain = next === undefined ? undefined : ESCAPED[next];
    if (plain === undefined) return { ok: false, offset: i, byte: next };
    out[n++] = plain;
    i++;
  }
  return { ok: true, bytes: out.subarray(0, n) };
}

/** Escape a binary payload so that it can sit inside a frame (simulators, tests). */
export function escapeWatch(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (const b of bytes) {
    const code = ESCAPE_OF[b];
    if (code === undefined) out.push(b);
    else out.push(ESCAPE_BYTE, code);
  }
  return Buffer.from(out);
}
