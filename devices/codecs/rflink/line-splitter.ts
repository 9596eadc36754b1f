import { reject, type Rejected } from '../../decoded.ts';

/**
 * Frame decoder of the RFLink serial protocol (Traccar split: where a line ends, not what it
 * means). Text lines at 57600 8N1; firmware ends each with `;\r\n`, but serial reads split lines
 * anywhere (rfl-005) and stray `\r` occur (rfl-015): buffer to CR or LF, never parse a read.
 * A line longer than the bound is rejected 'oversize' and the splitter resynchronises at the
 * next newline. Bytes are read as latin1 so one byte is one character; the line decoder rejects
 * anything outside printable ASCII.
 */
export const DEFAULT_MAX_LINE_BYTES = 1024; // device lines are < 200; DEBUG pulse lists run to hundreds

export interface RflinkLineSplitterOptions {
  maxLineBytes?: number;
}

export interface SplitResult {
  frames: string[];
  rejects: Rejected[];
}

const EOL = /\r\n|\r|\n/;

export class RflinkLineSplitter {
  readonly maxLineBytes: number;
  #partial = '';
  /** After an oversize line: drop characters until the next newline. */
  #discarding = false;

  constructor(opts: RflinkLineSplitterOptions = {}) {
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Characters held for a line not yet ended (never more than maxLineBytes). */
  get pendingBytes(): number {
    return this.#partial.length;
  }

  push(chunk: Uint8Array | string): SplitResult {
    const out: SplitResult = { frames: [], rejects: [] };
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    const parts = text.split(EOL);
    const rest = parts.pop() ?? '';
    for (const part of parts) {
      this.#endLine(this.#partial + part, out);
      this.#partial = '';
    }
    if (this.#discarding) return out;
    const pending = this.#partial + rest;
    if (pending.length > this.maxLineBytes) this.#tooLong(pending.length, out);
    else this.#partial = pending;
    return out;
  }

  /** The port closed: an unterminated line can never complete. */
  flush(): SplitResult {
    const out: SplitResult = { frames: [], rejects: [] };
    if (this.#partial.length > 0) out.rejects.push(reject('truncated', `line ended without CR/LF: ${preview(this.#partial)}`));
    this.#partial = '';
    this.#discarding = false;
    return out;
  }

  #endLine(line: string, out: SplitResult): void {
    if (this.#discarding) {
      this.#discarding = false; // this newline ends the oversize line
      return;
    }
    if (line.length > this.maxLineBytes) {
      out.rejects.push(reject('oversize', `line of ${line.length} bytes > ${this.maxLineBytes}: ${preview(line)}`));
    } else if (line.length > 0) {
      out.frames.push(line);
    }
  }

  #tooLong(length: number, out: SplitResult): void {
    out.rejects.push(reject('oversize', `line of more than ${this.maxLineBytes} bytes (${length} so far) without CR/LF; skipping to the next newline`));
    this.#partial = '';
    this.#discarding = true;
  }
}

function preview(line: string): string {
  const shown = JSON.stringify(line.slice(0, 40));
  return line.length > 40 ? `${shown}…` : shown;
}
