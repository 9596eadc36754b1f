/**
 * A cheap look at a push body before anything parses it (issue 16: ~1 MiB deeply nested JSON,
 * parsed before the signature was checked, took the MQTT alarm path's PUBACK from 2 ms to 7.5 s).
 * One pass over the bytes, no allocation: nesting depth outside strings. Platform pushes are a
 * few levels deep (OneNET `msg[i].value`, CTWing `payload.serviceData.x`); 16 is generous.
 */
export const MAX_PUSH_DEPTH = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/** The depth the body reaches, stopping as soon as it passes `limit` (then `limit + 1`). */
export function jsonDepth(raw: Uint8Array, limit = MAX_PUSH_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--;
  }
  return deepest;
}
