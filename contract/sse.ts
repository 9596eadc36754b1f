/**
 * The project's one Server-Sent Events parser (WHATWG HTML § 9.2.6 "Interpreting an event stream"),
 * pure and incremental: the consoles (bundled for the browser), the simulators, the bench and the
 * tests all read the alarm stream through it. Feed it text as it arrives; it returns the complete
 * messages. Comment lines (`: ping`) are skipped; a block without `data` dispatches nothing.
 */
export interface SseMessage {
  /** The `id` field of this message, or null when it carried none. */
  id: string | null;
  /** The `event` field; `message` when absent (§ 9.2.6). */
  event: string;
  /** The `data` lines joined with `\n`. */
  data: string;
}

export class SseParser {
  private buffer = '';
  /** The stream's last event id (kept across messages, as the standard's "last event ID buffer"). */
  lastEventId: string | null = null;
  /** The server's `retry:` advice in ms, if it gave one. */
  retryMs: number | null = null;

  /** Adds received text; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    // CRLF, CR and LF all end a line (§ 9.2.5); a CR at the chunk's end may be half of a CRLF.
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const normalised = this.buffer.replace(/\r\n?/g, '\n');
      const end = normalised.indexOf('\n\n');
      if (end < 0) {
        this.buffer = normalised;
        break;
      }
      this.buffer = normalised.slice(end + 2);
      const message = this.block(normalised.slice(0, end));
      if (message) out.push(message);
    }
    return out;
  }

  private block(block: string): SseMessage | undefined {
    let event = 'message';
    let id: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (id !== null) this.lastEventId = id;
    if (data.length === 0) return undefined;
    return { id, event, data: data.join('\n') };
  }
}
