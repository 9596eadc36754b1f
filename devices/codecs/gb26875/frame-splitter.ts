import { reject, type Rejected } from '../../decoded.ts';
import { checkFieldBytes, computeCheck, formatCheck, readCheck, type GbChecksumKind } from './checksum.ts';
import { DEFAULT_MAX_APP_BYTES, END, frameBytes, HEADER_BYTES, hexPreview, readAppLength, START } from './frame-layout.ts';

/**
 * Frame decoder of GB/T 26875.3 (Traccar split: where a frame starts and ends, not what it
 * means). Stream rules pinned by the reference Go decoder's tests (README §3):
 * - fewer bytes than the frame needs → wait (gb-005);
 * - no `@@` → drop bytes up to the next `@@` and report them once as 'noise';
 * - bad trailer or bad check → drop the declared frame and report it (gb-003: 78 bytes).
 * One refinement: when the dropped span itself contains `@@`, we resume there instead of after
 * the span. A frame cut short on the line declares a length that reaches into the next frame;
 * without this, one lost byte would also lose the (fire alarm) frame after it.
 * Buffering is bounded by the largest frame the length bound allows.
 */
export interface GbFrameSplitterOptions {
  /** Check field of this port: 'sum8' (the standard) or a vendor's 'crc16-modbus'. Configured, never guessed. */
  checksum?: GbChecksumKind;
  /** Largest declared application data length accepted; larger is 'oversize'. */
  maxAppBytes?: number;
}

export interface SplitResult {
  frames: Buffer[];
  rejects: Rejected[];
}

const EMPTY = Buffer.alloc(0);

export class Gb26875FrameSplitter {
  readonly checksum: GbChecksumKind;
  readonly maxAppBytes: number;
  #buf: Buffer = EMPTY;

  constructor(opts: GbFrameSplitterOptions = {}) {
    this.checksum = opts.checksum ?? 'sum8';
    this.maxAppBytes = opts.maxAppBytes ?? DEFAULT_MAX_APP_BYTES;
  }

  /** Bytes held for a frame not yet complete (never more than one maximal frame). */
  get pendingBytes(): number {
    return this.#buf.length;
  }

  push(chunk: Uint8Array): SplitResult {
    const out: SplitResult = { frames: [], rejects: [] };
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    this.#drain(out, false);
    return out;
  }

  /**
   * The line went idle or closed: whatever is pending can never complete. Rejects it as
   * 'truncated', salvaging any complete frame that starts inside it. Call on close, or after an
   * idle gap longer than a frame takes at the port's baud rate.
   */
  flush(): SplitResult {
    const out: SplitResult = { frames: [], rejects: [] };
    this.#drain(out, true);
    return out;
  }

  #drain(out: SplitResult, final: boolean): void {
    const buf = this.#buf;
    let at = 0;
    let noiseFrom = -1;
    const endNoise = (to: number) => {
      if (noiseFrom < 0) return;
      out.rejects.push(reject('noise', `${to - noiseFrom} byte(s) outside any frame: ${hexPreview(buf.subarray(noiseFrom, to))}`));
      noiseFrom = -1;
    };
    while (at < buf.length) {
      if (buf[at] === START) {
        // A lone '@' at the very end may be the first half of the next start: keep it.
        if (at + 1 === buf.length && !final) break;
        if (buf[at + 1] === START) {
          endNoise(at);
          const step = this.#frameAt(buf, at, out, final);
          if (step === 0) break; // wait for more bytes
          at += step;
          continue;
        }
      }
      if (noiseFrom < 0) noiseFrom = at;
      const next = buf.indexOf(START, at + 1);
      at = next < 0 ? buf.length : next;
    }
    endNoise(at);
    this.#buf = at >= buf.length ? EMPTY : Buffer.from(buf.subarray(at));
  }

  /** Handles the frame starting at `at`; returns bytes consumed, 0 to wait. */
  #frameAt(buf: Buffer, at: number, out: SplitResult, final: boolean): number {
    const have = buf.length - at;
    if (have < HEADER_BYTES) {
      if (!final) return 0;
      return this.#truncated(buf, at, buf.length - at, out, `${have} of ${HEADER_BYTES} header bytes`);
    }
    const appLength = readAppLength(buf, at);
    if (appLength > this.maxAppBytes) {
      out.rejects.push(reject('oversize', `declared application data length ${appLength} > ${this.maxAppBytes}`));
      return 1; // the length is garbage; resync one byte on (noise '@' + frame '@@' reads as '@@' one byte early)
    }
    const size = frameBytes(appLength, this.checksum);
    if (have < size) {
      if (!final) return 0;
      return this.#truncated(buf, at, have, out, `${have} of ${size} bytes (declared application data length ${appLength})`);
    }
    const end = at + size;
    if (buf[end - 2] !== END || buf[end - 1] !== END) {
      const span = spanUntilNextStart(buf, at, end);
      out.rejects.push(reject('bad_frame', `trailer ${hexPreview(buf.subarray(end - 2, end))} where 23 23 belongs (declared application data length ${appLength}); dropped ${span} byte(s)`));
      return span;
    }
    const checkAt = end - 2 - checkFieldBytes(this.checksum);
    const want = computeCheck(this.checksum, buf, at + 2, checkAt);
    const got = readCheck(this.checksum, buf, checkAt);
    if (want !== got) {
      const span = spanUntilNextStart(buf, at, end);
      out.rejects.push(reject('bad_checksum', `${this.checksum} ${formatCheck(this.checksum, got)} in frame, computed ${formatCheck(this.checksum, want)}; dropped ${span} byte(s)`));
      return span;
    }
    out.frames.push(Buffer.from(buf.subarray(at, end)));
    return size;
  }

  #truncated(buf: Buffer, at: number, have: number, out: SplitResult, what: string): number {
    const span = spanUntilNextStart(buf, at, at + have);
    out.rejects.push(reject('truncated', `line idle with ${what}; dropped ${span} byte(s)`));
    return span;
  }
}

/**
 * Bytes from `at` to the next start inside (at, end), or the whole span when there is none. A
 * start may straddle `end` (a frame cut one byte short puts the next frame's first '@' inside
 * its span), and a lone '@' at the end of the buffer may be one.
 */
function spanUntilNextStart(buf: Buffer, at: number, end: number): number {
  for (let i = buf.indexOf(START, at + 1); i >= 0 && i < end; i = buf.indexOf(START, i + 1)) {
    if (i + 1 === buf.length || buf[i + 1] === START) return i - at;
  }
  return end - at;
}
