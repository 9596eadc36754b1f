import { reject, type Rejected } from '../../decoded.ts';
import { preview } from '../watch3g/frame-splitter.ts';

/**
 * Frame decoder of the "IW" watch protocol: text frames `IWAP…#`, one TCP read holding several or
 * part of one (fixture README §4; traccar's test strings omit the `#` its frame decoder strips).
 * Frames are returned without the `#`. Same shape as `WatchFrameSplitter`.
 */
const HASH = 0x23;
const START = Buffer.from('IW');

export interface IwSplitResult { frames: Buffer[]; rejects: Rejected[] }

export class IwFrameSplitter {
  readonly maxFrameBytes: number;
  #held: Buffer[] = [];
  #heldLength = 0;
  /** After an oversize frame: drop bytes until its `#`. */
  #skipping = false;

  constructor(opts: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 64 * 1024;
  }

  get pendingBytes(): number {
    return this.#heldLength;
  }

  push(chunk: Buffer): IwSplitResult {
    const frames: Buffer[] = [];
    const rejects: Rejected[] = [];
    let i = 0;
    while (i < chunk.length) {
      const end = chunk.indexOf(HASH, i);
      if (end < 0) {
        if (!this.#skipping) this.#hold(chunk.subarray(i));
        if (this.#heldLength > this.maxFrameBytes) {
          rejects.push(reject('oversize', `frame over ${this.maxFrameBytes} bytes without "#"; dropped, resync after next "#"`));
          this.#drop();
          this.#skipping = true;
        }
        return { frames, rejects };
      }
      if (this.#skipping) {
        this.#skipping = false;
        i = end + 1;
        continue;
      }
      this.#hold(chunk.subarray(i, end));
      i = end + 1;
      const segment = Buffer.concat(this.#held, this.#heldLength);
      this.#drop();
      if (segment.length > this.maxFrameBytes) {
        rejects.push(reject('oversize', `frame of ${segment.length} bytes over ${this.maxFrameBytes}`));
        continue;
      }
      const start = segment.indexOf(START);
      if (start < 0) {
        if (!isBlank(segment)) rejects.push(reject('noise', `${segment.length} byte(s) without "IW" before "#": ${preview(segment)}`));
        continue;
      }
      const before = segment.subarray(0, start);
      if (!isBlank(before)) rejects.push(reject('noise', `${before.length} byte(s) before "IW": ${preview(before)}`));
      frames.push(segment.subarray(start));
    }
    return { frames, rejects };
  }

  reset(): void {
    this.#drop();
    this.#skipping = false;
  }

  #hold(part: Buffer): void {
    if (part.length === 0) return;
    this.#held.push(Buffer.from(part));
    this.#heldLength += part.length;
  }

  #drop(): void {
    this.#held = [];
    this.#heldLength = 0;
  }
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0d && b !== 0x0a && b !== 0x09) return false;
  return true;
}
