import { API_PREFIX, MAX_READINGS_BATCH, ReadingsIngestResponse } from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import { ReconnectBackoff } from '../serial/reconnect-backoff.ts';
import type { TelemetryQueue } from './telemetry-queue.ts';

export interface TelemetrySenderOptions {
  serverUrl: string;
  gatewayId: string;
  token: string;
  queue: TelemetryQueue;
  log: Logger;
  /** Counts by result: sent, refused, dropped (a batch the server can never take). */
  count: (result: 'sent' | 'refused' | 'dropped', n: number) => void;
  retryMinMs?: number;
  retryMaxMs?: number;
  requestTimeoutMs?: number;
}

/**
 * Sends queued readings to `POST /api/v1/ingest/readings`, oldest first, in batches; removes them
 * once the server answered. Its own requests, its own retry timer: the event forwarder's lanes
 * never wait for it. Failures back off with the gateway's one backoff (ReconnectBackoff).
 */
export class TelemetrySender {
  private running: Promise<void> | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private abort: AbortController | undefined;
  private readonly backoff: ReconnectBackoff;
  lastError: string | null = null;

  constructor(private readonly opts: TelemetrySenderOptions) {
    this.backoff = new ReconnectBackoff(opts.retryMinMs ?? 500, opts.retryMaxMs ?? 60_000);
  }

  /** Sends what is queued, unless a send or a retry wait is under way. */
  wake(): void {
    if (this.stopped || this.running || this.timer) return;
    this.running = this.drain().finally(() => { this.running = undefined; });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    await this.running?.catch(() => undefined);
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const batch = this.opts.queue.peek(MAX_READINGS_BATCH);
      if (batch.readings.length === 0) return;
      try {
        await this.send(batch.readings);
        this.opts.queue.ack(batch.upTo);
        this.backoff.reset();
        this.lastError = null;
      } catch (error) {
        this.lastError = (error as Error).message;
        if (error instanceof Unsendable) {
          // The server will never take this batch as it is: waiting would stop the lane for good.
          this.opts.log.error({ readings: batch.readings.length, err: this.lastError }, 'telemetry batch refused whole by the server; dropped');
          this.opts.count('dropped', batch.readings.length);
          this.opts.queue.ack(batch.upTo);
          continue;
        }
        const delay = this.backoff.next();
        if (this.backoff.attempts >= 3) this.opts.log.warn({ err: this.lastError, retryMs: delay, queued: this.opts.queue.depth }, 'telemetry not delivered; kept in telemetry.db');
        this.timer = setTimeout(() => { this.timer = undefined; this.wake(); }, delay);
        return;
      }
    }
  }

  private async send(readings: string[]): Promise<void> {
    this.abort = new AbortController();
    const timeout = setTimeout(() => this.abort?.abort(), this.opts.requestTimeoutMs ?? 15_000);
    try {
      // The queue holds each reading as JSON already: joined, not parsed and stringified again.
      const body = `{"gatewayId":${JSON.stringify(this.opts.gatewayId)},"readings":[${readings.join(',')}]}`;
      const res = await fetch(`${this.opts.serverUrl}${API_PREFIX}/ingest/readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
        body,
        signal: this.abort.signal,
      });
      const text = await res.text();
      if (res.status === 400 || res.status === 413) throw new Unsendable(`ingest/readings answered ${res.status}: ${text.slice(0, 300)}`);
      if (!res.ok) throw new Error(`ingest/readings answered ${res.status}: ${text.slice(0, 300)}`);
      const answer = ReadingsIngestResponse.parse(JSON.parse(text));
      this.opts.count('sent', answer.accepted);
      if (answer.refused.length > 0) {
        this.opts.count('refused', answer.refused.length);
        this.opts.log.warn({ refused: answer.refused.length, first: answer.refused[0] }, 'server refused telemetry readings');
      }
    } finally {
      clearTimeout(timeout);
    }
  }
}

class Unsendable extends Error {}
