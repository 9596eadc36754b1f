import { API_PREFIX, IngestResponse, type Lane, Lane as LaneEnum, MAX_INGEST_BATCH } from '../../contract/index.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { Logger } from '../log.ts';

const SLOW_SEND_MS = 250;

export interface ForwarderOptions {
  serverUrl: string;
  gatewayId: string;
  token: string;
  outbox: Outbox;
  log: Logger;
  /** Backoff after a failed send: doubles from min to max, with jitter so gateways do not retry in step. */
  retryMinMs?: number;
  retryMaxMs?: number;
  requestTimeoutMs?: number;
}

export interface ForwarderStats {
  sent: number;
  duplicates: number;
  failures: number;
  lastError: string | null;
  lastSuccessAt: number | null;
}

/**
 * Sends outbox events to the server, at least once, with their ids (the server keeps each id once,
 * so a retry is harmless). One sender per lane runs on its own connection, so a life-safety event
 * never waits behind a telemetry batch already in flight (CONTRACT.md: life-safety overtakes any backlog).
 */
export class Forwarder {
  readonly stats: ForwarderStats = { sent: 0, duplicates: 0, failures: 0, lastError: null, lastSuccessAt: null };
  private readonly senders: LaneSender[];
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly opts: ForwarderOptions) {
    this.senders = LaneEnum.options.map((lane) => new LaneSender(lane, opts, this.stats));
  }

  start(): void {
    this.unsubscribe = this.opts.outbox.onAppend((lane) => this.senders.find((s) => s.lane === lane)?.wake());
    for (const s of this.senders) s.wake();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all(this.senders.map((s) => s.stop()));
  }
}

class LaneSender {
  private running = false;
  private stopped = false;
  private again = false;
  private backoffMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private abort: AbortController | undefined;

  constructor(readonly lane: Lane, private readonly opts: ForwarderOptions, private readonly stats: ForwarderStats) {}

  wake(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    if (this.timer) return; // backing off: the timer will run it
    this.inFlight = this.drain();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
    await this.inFlight?.catch(() => undefined);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.stopped) return;
          const batch = this.opts.outbox.peek(this.lane, MAX_INGEST_BATCH);
          if (batch.length === 0) break;
          await this.send(batch);
          this.backoffMs = 0;
        }
      } while (this.again);
    } catch (err) {
      this.stats.failures += 1;
      this.stats.lastError = (err as Error).message;
      this.scheduleRetry();
    } finally {
      this.running = false;
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const min = this.opts.retryMinMs ?? 200;
    const max = this.opts.retryMaxMs ?? 30_000;
    this.backoffMs = Math.min(max, this.backoffMs === 0 ? min : this.backoffMs * 2);
    const delay = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
    if (this.backoffMs >= max / 2) this.opts.log.warn({ lane: this.lane, err: this.stats.lastError }, 'server unreachable; events kept in the outbox');
    this.timer = setTimeout(() => { this.timer = undefined; this.wake(); }, delay);
  }

  private async send(batch: { id: string }[]): Promise<void> {
    this.abort = new AbortController();
    const timeout = setTimeout(() => this.abort?.abort(), this.opts.requestTimeoutMs ?? 10_000);
    const started = performance.now();
    try {
      const res = await fetch(`${this.opts.serverUrl}${API_PREFIX}/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
        body: JSON.stringify({ gatewayId: this.opts.gatewayId, events: batch }),
        signal: this.abort.signal,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`);
      const body = IngestResponse.parse(JSON.parse(text));
      this.opts.outbox.ack(body.stored);
      this.stats.sent += body.stored.length - body.duplicates;
      this.stats.duplicates += body.duplicates;
      this.stats.lastSuccessAt = Date.now();
      if (body.stored.length === 0) throw new Error('ingest stored nothing of a non-empty batch');
      const tookMs = performance.now() - started;
      // An alarm should reach the server in milliseconds; a slow answer is worth a line to match against.
      if (tookMs > SLOW_SEND_MS) this.opts.log.warn({ lane: this.lane, events: batch.length, tookMs: Math.round(tookMs) }, 'slow ingest answer');
    } finally {
      clearTimeout(timeout);
    }
  }
}
