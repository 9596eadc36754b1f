import { reject, type Rejected } from '../../decoded.ts';

/**
 * Frame decoder of the "3G*" watch protocol (Traccar split: this file only says where a frame
 * starts and ends; `decode.ts` says what it means). A frame is `[` … `]`; one TCP read can hold
 * several frames or a part of one (fixture README §4, watch-020/021).
 *
 * Why a `[` inside an open frame ends it: binary payloads escape `[` and `]` as 7D 02 / 7D 03,
 * so an unescaped `[` can only be the start of the next frame, i.e. the open one was cut off.
 * Rejecting it as 'truncated' and resyncing on the new `[` keeps one lost `]` from swallowing
 * every later frame of the connection.
 */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]

export interface WatchFrameSplitterOptions {
  /** Longest frame accepted, brackets included; a longer one is rejected as 'oversize'. */
  maxFrameBytes?: number;
}

export interface SplitResult {
  frames: Buffer[];
  rejects: Rejected[];
}

export class WatchFrameSplitter {
  readonly maxFrameBytes: number;
  #open: Buffer[] | undefined;
  #openLength = 0;
  /** After an oversize frame: drop bytes silently until the next `[`. */
  #skipping = false;
  #loneOpens = 0;

  constructor(opts: WatchFrameSplitterOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes held for a frame not yet closed (bounded by maxFrameBytes). */
  get pendingBytes(): number {
    return this.#openLength;
  }

  push(chunk: Buffer): SplitResult {
    const frames: Buffer[] = [];
    const rejects: Rejected[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.#open === undefined) {
        const start = chunk.indexOf(OPEN, i);
        const end = start < 0 ? chunk.length : start;
        if (end > i && !this.#skipping) {
          const outside = chunk.subarray(i, end);
          if (!isBlank(outside)) rejects.push(reject('noise', `${outside.length} byte(s) outside [ ]: ${preview(outside)}`));
        }
        if (start < 0) return this.#done(frames, rejects);
        this.#skipping = false;
        this.#open = [];
        this.#openLength = 0;
        i = start;
        // the `[` itself is taken below, as the first byte of the frame
        this.#append(chunk.subarray(i, i + 1));
        i += 1;
        continue;
      }
      const at = nextBracket(chunk, i);
      if (at >= 0 && chunk[at] === OPEN) {
        this.#append(chunk.subarray(i, at));
        if (this.#openLength === 1) {
          this.#loneOpens++; // "[[": a bracket flood, reported once per push as noise
          this.#take();
        } else {
          rejects.push(reject('truncated', `frame of ${this.#openLength} byte(s) cut off by a new "[" before its "]": ${preview(this.#take())}`));
        }
        i = at;
        continue;
      }
      if (at < 0) {
        this.#append(chunk.subarray(i));
        if (this.#openLength > this.maxFrameBytes) this.#dropOversize(rejects);
        return this.#done(frames, rejects);
      }
      const close = at;
      this.#append(chunk.subarray(i, close + 1));
      i = close + 1;
      if (this.#openLength > this.maxFrameBytes) {
        this.#dropOversize(rejects);
        this.#skipping = false; // the frame's own "]" was seen: next bytes are judged normally
      } else {
        frames.push(this.#take());
      }
    }
    return this.#done(frames, rejects);
  }

  #done(frames: Buffer[], rejects: Rejected[]): SplitResult {
    if (this.#loneOpens > 0) {
      rejects.push(reject('noise', `${this.#loneOpens} "[" without content before another "["`));
      this.#loneOpens = 0;
    }
    return { frames, rejects };
  }

  /** Forget a partial frame (connection closed or reset). */
  reset(): void {
    this.#open = undefined;
    this.#openLength = 0;
    this.#skipping = false;
  }

  #append(part: Buffer): void {
    if (part.length === 0 || this.#open === undefined) return;
    // Copy: the caller may reuse its read buffer.
    this.#open.push(Buffer.from(part));
    this.#openLength += part.length;
  }

  #take(): Buffer {
    const frame = Buffer.concat(this.#open ?? [], this.#openLength);
    this.#open = undefined;
    this.#openLength = 0;
    return frame;
  }

  #dropOversize(rejects: Rejected[]): void {
    rejects.push(reject('oversize', `frame over ${this.maxFrameBytes} bytes without "]" (${this.#openLength} held); dropped, resync on next "["`));
    this.#open = undefined;
    this.#openLength = 0;
    this.#skipping = true;
  }
}

/** Index of the next `[` or `]` from i, or -1: one pass, however many brackets a read holds. */
function nextBracket(chunk: Buffer, i: number): number {
  for (let j = i; j < chunk.length; j++) {
    const b = chunk[j];
    if (b === OPEN || b === CLOSE) return j;
  }
  return -1;
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0d && b !== 0x0a && b !== 0x09) return false;
  return true;
}

/** A short printable view of bytes for log details. */
export function preview(bytes: Buffer, max = 40): string {
  const head = bytes.subarray(0, max);
  let text = '';
  for (const b of head) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return JSON.stringify(bytes.length > max ? `${text}…` : text);
}
