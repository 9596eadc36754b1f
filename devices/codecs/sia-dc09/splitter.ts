import { reject, type Rejected } from '../../decoded.ts';
import { DC09_MAX_BODY } from './frame.ts';

/**
 * Cuts a TCP byte stream into DC-09 blocks (LF … CR). Bytes outside a block are noise, a block
 * longer than the length field allows is oversize; both are reported and skipped, so one bad
 * block never stalls the connection.
 */
export class Dc09FrameSplitter {
  private buffer = '';
  /** LF + 8 header characters + the longest body + CR. */
  static readonly MAX_BLOCK = 1 + 8 + DC09_MAX_BODY + 1;

  push(chunk: Uint8Array | string): Array<{ block: string } | Rejected> {
    this.buffer += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    const out: Array<{ block: string } | Rejected> = [];
    for (;;) {
      const lf = this.buffer.indexOf('\n');
      if (lf < 0) {
        if (this.buffer.length > 0) out.push(reject('noise', `${this.buffer.length} byte(s) outside a block`));
        this.buffer = '';
        return out;
      }
      if (lf > 0) {
        out.push(reject('noise', `${lf} byte(s) before a block`));
        this.buffer = this.buffer.slice(lf);
      }
      const cr = this.buffer.indexOf('\r');
      if (cr < 0) {
        if (this.buffer.length > Dc09FrameSplitter.MAX_BLOCK) {
          out.push(reject('oversize', `no CR within ${Dc09FrameSplitter.MAX_BLOCK} bytes`));
          this.buffer = this.buffer.slice(1);
          continue;
        }
        return out;
      }
      // A block cut short and followed by a whole one: keep the whole one.
      const start = this.buffer.lastIndexOf('\n', cr);
      if (start > 0) out.push(reject('truncated', `${start} byte(s) of a block that never ended`));
      out.push({ block: this.buffer.slice(start, cr + 1) });
      this.buffer = this.buffer.slice(cr + 1);
    }
  }
}
