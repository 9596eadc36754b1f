import type { Reading } from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { TelemetryQueue } from './telemetry-queue.ts';
import { TelemetrySampler } from './telemetry-sampler.ts';
import type { SamplerOptions } from './telemetry-sampler.ts';
import { TelemetrySender } from './telemetry-sender.ts';

export interface TelemetryLaneOptions {
  serverUrl: string;
  gatewayId: string;
  token: string;
  dataDir: string;
  metrics: Metrics;
  log: Logger;
  sampler?: SamplerOptions;
  /** Buffered readings are written to telemetry.db and sent this often (default 1 s). */
  flushEveryMs?: number;
  maxReadings?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

/**
 * The gateway's telemetry lane (issue 19): readings, bounded by the sampler, queued in
 * telemetry.db, sent to the server's history. Apart from the life-safety outbox in everything —
 * file, timer, requests — and `offer` does no I/O and never throws, so no alarm waits for history.
 */
export class TelemetryLane {
  private readonly sampler: TelemetrySampler;
  private queue: TelemetryQueue | undefined;
  private sender: TelemetrySender | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly counted: (labels?: Record<string, string>, by?: number) => void;

  constructor(private readonly opts: TelemetryLaneOptions) {
    this.sampler = new TelemetrySampler(opts.sampler);
    this.counted = opts.metrics.counter('carewatch_telemetry_readings_total', 'Telemetry readings by result (queued, skipped by the sampler, sent, refused by the server, dropped)');
  }

  start(): void {
    const { opts } = this;
    const queue = new TelemetryQueue({
      dataDir: opts.dataDir,
      maxReadings: opts.maxReadings,
      onDrop: (n) => {
        this.counted({ result: 'dropped' }, n);
        opts.log.warn({ dropped: n, kept: opts.maxReadings ?? 200_000 }, 'telemetry queue full: oldest readings dropped (history only; alarms travel the outbox)');
      },
    });
    this.queue = queue;
    this.sender = new TelemetrySender({
      serverUrl: opts.serverUrl, gatewayId: opts.gatewayId, token: opts.token, queue, log: opts.log,
      count: (result, n) => this.counted({ result }, n),
      retryMinMs: opts.retryMinMs, retryMaxMs: opts.retryMaxMs,
    });
    const depth = opts.metrics.gauge('carewatch_telemetry_queued', 'Telemetry readings waiting in telemetry.db');
    opts.metrics.onCollect(() => depth({}, this.queue?.depth ?? 0));
    this.timer = setInterval(() => this.tick(), opts.flushEveryMs ?? 1000);
    this.timer.unref();
    this.sender.wake();
  }

  /** A reading the rules accepted. Never throws: history must not cost an alarm anything. */
  offer(reading: Reading): void {
    try {
      if (!this.queue) return;
      if (!this.sampler.keep(reading)) {
        this.counted({ result: 'skipped' });
        return;
      }
      this.queue.push(reading);
      this.counted({ result: 'queued' });
    } catch (error) {
      this.counted({ result: 'failed' });
      this.opts.log.error({ err: error }, 'telemetry offer failed');
    }
  }

  get depth(): number {
    return this.queue?.depth ?? 0;
  }

  get lastError(): string | null {
    return this.sender?.lastError ?? null;
  }

  /** Writes what is buffered and sends it now (tests, shutdown). */
  flushNow(): void {
    this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sender?.stop();
    this.queue?.close();
    this.queue = this.sender = undefined;
  }

  private tick(): void {
    try {
      this.queue?.flush();
    } catch (error) {
      this.counted({ result: 'failed' });
      this.opts.log.error({ err: error }, 'telemetry queue write failed');
    }
    this.sender?.wake();
  }
}
