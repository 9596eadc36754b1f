import http from 'node:http';
import { SseParser } from '../../contract/sse.ts';
import type { SseMessage } from '../../contract/sse.ts';

export type { SseMessage };

/**
 * A minimal Server-Sent Events reader over a real socket (the same bytes a browser reads):
 * collects messages and lets a test wait for one that matches.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  private req: http.ClientRequest | undefined;
  private waiters: Array<{ match: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }> = [];
  status = 0;

  constructor(private readonly url: string, private readonly headers: Record<string, string>) {}

  async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.req = http.get(this.url, { headers: { accept: 'text/event-stream', ...this.headers } }, (res) => {
        this.status = res.statusCode ?? 0;
        res.socket.setNoDelay(true);
        const parser = new SseParser();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const msg of parser.push(chunk)) this.deliver(msg);
        });
        resolve();
      });
      this.req.on('error', reject);
    });
  }

  next(match: (m: SseMessage) => boolean, timeoutMs = 10_000): Promise<SseMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching SSE message in ${timeoutMs} ms; got ${this.messages.length}`)), timeoutMs);
      this.waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  }

  close(): void {
    this.req?.destroy();
  }

  private deliver(msg: SseMessage): void {
    this.messages.push(msg);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(msg)) return true;
      w.resolve(msg);
      return false;
    });
  }
}
