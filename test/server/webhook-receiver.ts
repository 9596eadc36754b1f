import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookPayload } from '../../contract/index.ts';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  payload: WebhookPayload;
  /** The HMAC checked the way a receiver should: over `<timestamp>.<body>` with the shared secret. */
  signatureValid: boolean;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/**
 * A real HTTP webhook receiver on a loopback port that can be down (not listening), slow (answers
 * after `slowMs`), failing (500) or up — as SMS providers and call-centre systems are.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  mode: 'up' | 'slow' | 'fail' = 'up';
  slowMs = 5_000;
  private server: Server | undefined;
  private waiters: Array<() => void> = [];
  port = 0;

  constructor(private readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Listens (again) on its port; the first time on a free one. */
  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = (status: number) => {
          if (res.destroyed) return;
          res.writeHead(status).end();
        };
        if (this.mode === 'slow') {
          // Answers too late: the sender has given up on this attempt by then.
          setTimeout(() => answer(200), this.slowMs).unref();
          this.record(req.headers, body);
          return;
        }
        this.record(req.headers, body);
        answer(this.mode === 'fail' ? 500 : 200);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: the next attempt finds the port refused. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `count` messages have arrived in all. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`webhook receiver: ${this.received.length} of ${count} messages within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
    return this.received.slice(0, count);
  }

  /** Resolves with the first message (of all so far or to come) that matches. */
  async waitForMatch(match: (r: Received) => boolean, timeoutMs = 10_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      await this.waitFor(this.received.length + 1, Math.max(1, deadline - Date.now()));
    }
  }

  private record(headers: IncomingHttpHeaders, body: string): void {
    const timestamp = String(headers[TIMESTAMP_HEADER] ?? '');
    const signature = String(headers[SIGNATURE_HEADER] ?? '');
    const expected = `sha256=${createHmac('sha256', this.secret).update(`${timestamp}.${body}`).digest('hex')}`;
    const signatureValid = signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    this.received.push({ headers, body, payload: WebhookPayload.parse(JSON.parse(body)), signatureValid, at: Date.now() });
    for (const wake of this.waiters.splice(0)) wake();
  }

  deliveryIdOf(r: Received): string {
    return String(r.headers[DELIVERY_HEADER]);
  }
}
