/**
 * Component descriptions: 31 bytes of GB18030 (GB2312 in older panels, a subset), NUL-padded,
 * often full-width (`Ａ区１层…`). README §3; Node's TextDecoder knows 'gb18030'.
 */
export const DESCRIPTION_BYTES = 31;

const decoder = new TextDecoder('gb18030');

/** Text up to the first NUL; trailing blanks trimmed (panels pad with spaces too). */
export function decodeDescription(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return decoder.decode(nul < 0 ? bytes : bytes.subarray(0, nul)).trimEnd();
}

/**
 * Reverse table for the two-byte GBK range of GB18030, built once on first use by decoding every
 * lead/trail pair (126 × 190 pairs, a few ms): Node has no GB18030 encoder. Simulators only.
 */
let encodeTable: Map<string, number> | undefined;

function table(): Map<string, number> {
  if (encodeTable) return encodeTable;
  const map = new Map<string, number>();
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      const ch = decoder.decode(Uint8Array.of(lead, trail));
      if (ch.length === 1 && ch !== '\ufffd' && !map.has(ch)) map.set(ch, (lead << 8) | trail);
    }
  }
  encodeTable = map;
  return map;
}

/**
 * GB18030 bytes of `text`, NUL-padded to 31 bytes. ASCII and two-byte characters only; returns
 * null when a character needs a four-byte sequence or the text does not fit.
 */
export function encodeDescription(text: string): Uint8Array | null {
  const out = new Uint8Array(DESCRIPTION_BYTES);
  let n = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code < 0x80) {
      if (n + 1 > DESCRIPTION_BYTES) return null;
      out[n++] = code;
      continue;
    }
    const pair = table().get(ch);
    if (pair === undefined || n + 2 > DESCRIPTION_BYTES) return null;
    out[n++] = pair >> 8;
    out[n++] = pair & 0xff;
  }
  return out;
}
