import http from 'node:http';
import { SseParser } from '../../contract/sse.ts';
import type { SseMessage } from '../../contract/sse.ts';

/**
 * An SSE client that does what a browser's EventSource does when its server goes away (WHATWG
 * HTML § 9.2.3 "reestablish the connection"): it connects again — here to the next replica the
 * load balancer gives — sending `Last-Event-ID` with the id of the last message it received.
 */
export class ResumingSse {
  readonly messages: SseMessage[] = [];
  /** Each connection made: where, and the Last-Event-ID sent. */
  readonly connections: Array<{ base: string; lastEventId: string | null }> = [];
  private lastEventId: string | null = null;
  private request: http.ClientRequest | undefined;
  private stopped = false;
  /** Why it stopped reconnecting, if it did on its own. */
  gaveUp: Error | undefined;
  private waiters: Array<() => void> = [];

  /**
   * @param pick the base URL to connect to next (the balancer); `failed` is called with a base
   *   that refused or dropped the connection.
   */
  constructor(
    private readonly path: string,
    private readonly token: string,
    private readonly pick: () => string,
    private readonly failed: (base: string) => void = () => {},
    private readonly first?: string,
  ) {}

  /** Connects (to `first` when given); resolves once the first connection is open. */
  async open(): Promise<void> {
    await this.connect(this.first ?? this.pick());
  }

  /** Resolves once a message matching `match` has arrived (now or later). */
  async until(match: (m: SseMessage) => boolean, timeoutMs: number, what: string): Promise<SseMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stream: no ${what} within ${timeoutMs} ms (${this.messages.length} messages, connections ${JSON.stringify(this.connections)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  close(): void {
    this.stopped = true;
    this.request?.destroy();
  }

  private connect(base: string): Promise<void> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' };
    if (this.lastEventId !== null) headers['last-event-id'] = this.lastEventId;
    this.connections.push({ base, lastEventId: this.lastEventId });
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      let gone = false;
      const lost = (): void => {
        if (this.stopped || gone) return;
        gone = true;
        if (!opened) reject(new Error(`stream: cannot connect to ${base}`));
        this.failed(base);
        // EventSource waits the server's `retry:` (2 s) first; a test has no reason to.
        setTimeout(() => this.reconnect(), 50);
      };
      const request = http.get(`${base}${this.path}`, { headers }, (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`stream: ${base} answered ${response.statusCode}`));
          response.resume();
          return;
        }
        opened = true;
        resolve();
        const parser = new SseParser();
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          for (const message of parser.push(chunk)) {
            if (message.id !== null) this.lastEventId = message.id;
            this.messages.push(message);
          }
          for (const wake of this.waiters.splice(0)) wake();
        });
        // A replica killed mid-stream: the socket is reset ('error'), then closed.
        response.on('error', lost);
        response.on('close', lost);
      });
      request.on('error', lost);
      this.request = request;
    });
  }

  private reconnect(): void {
    if (this.stopped) return;
    let base: string;
    try {
      base = this.pick();
    } catch (error) {
      // No replica to go to (the test is tearing them down): stop, as a closed EventSource does.
      this.stopped = true;
      this.gaveUp = error as Error;
      return;
    }
    this.connect(base).catch(() => {
      // connect's own `lost` has marked that replica down and scheduled the next try.
    });
  }
}
