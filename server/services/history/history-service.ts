import { Counter } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { Event, Reading } from '../../../contract/index.ts';
import type { ServerMetrics } from '../metrics.ts';
import { eventsToPoints, readingsToPoints } from './to-points.ts';
import type { HistoryBatch, HistoryStore } from './types.ts';

/**
 * Writes readings and status facts to the history store and counts what it did. Readings arrive on
 * the telemetry lane and are written before the gateway is answered (it retries on failure).
 * Events' status facts are written after the alarm path has committed and answered, never in its
 * way: a slow or failed history write is logged and counted, and the alarm is already safe.
 */
export class HistoryService {
  readonly points: Counter;
  readonly failures: Counter;
  /** Writes started for events and not finished yet (close waits for them). */
  private readonly pending = new Set<Promise<void>>();

  constructor(readonly store: HistoryStore, metrics: ServerMetrics, private readonly log: FastifyBaseLogger) {
    this.points = new Counter({
      name: 'carewatch_history_points_total', help: 'Points written to the history store, by measurement.',
      labelNames: ['measurement'], registers: [metrics.registry],
    });
    this.failures = new Counter({
      name: 'carewatch_history_write_failures_total', help: 'History writes that failed, by what they carried (readings, events).',
      labelNames: ['source'], registers: [metrics.registry],
    });
  }

  /** Writes readings; throws when the store refuses (the caller answers 503 and the gateway retries). */
  async writeReadings(readings: readonly Reading[]): Promise<void> {
    await this.write(readingsToPoints(readings), 'readings');
  }

  /** Records the status facts of ingested events, in the background. */
  recordEvents(events: readonly Event[]): void {
    const status = eventsToPoints(events);
    if (status.length === 0) return;
    const job = this.write({ readings: [], status }, 'events').catch(() => undefined).finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** Resolves once every background write started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pending]);
    await this.store.close();
  }

  private async write(batch: HistoryBatch, source: 'readings' | 'events'): Promise<void> {
    try {
      await this.store.write(batch);
      this.points.inc({ measurement: 'reading' }, batch.readings.length);
      this.points.inc({ measurement: 'device_status' }, batch.status.length);
    } catch (error) {
      this.failures.inc({ source });
      this.log.error({ err: error, source, readings: batch.readings.length, status: batch.status.length, store: this.store.kind }, 'history write failed');
      throw error;
    }
  }
}
