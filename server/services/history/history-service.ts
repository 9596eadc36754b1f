import { Counter } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { Event, Reading } from '../../../contract/index.ts';
import type { ServerMetrics } from '../metrics.ts';
import { eventsToPoints, readingsToPoints } from './to-points.ts';
import { HOUR_MS } from './sqlite-rollup.ts';
import type { FieldSeries, HistoryBatch, HistoryStore, SeriesQuery } from './types.ts';

/** Ranges longer than this, bucketed by whole hours, are read from the hourly roll-ups. */
export const ROLLUP_AFTER_MS = 2 * 24 * HOUR_MS;

/** Buckets of a series and what they were computed from: the points as stored, or hourly roll-ups. */
export interface Buckets {
  series: FieldSeries[];
  resolution: 'raw' | '1h';
  /** The range answered: a roll-up answer starts and ends on whole hours. */
  from: number;
  to: number;
}

/** How often the store's roll-ups and snapshots are brought up to date in the background. */
const FLUSH_EVERY_MS = 30_000;

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
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(readonly store: HistoryStore, metrics: ServerMetrics, private readonly log: FastifyBaseLogger, readonly now: () => number = Date.now) {
    this.points = new Counter({
      name: 'carewatch_history_points_total', help: 'Points written to the history store, by measurement.',
      labelNames: ['measurement'], registers: [metrics.registry],
    });
    this.failures = new Counter({
      name: 'carewatch_history_write_failures_total', help: 'History writes that failed, by what they carried (readings, events; rollup: the periodic roll-up and snapshot job).',
      labelNames: ['source'], registers: [metrics.registry],
    });
  }

  /** Writes readings; throws when the store refuses (the caller answers 503 and the gateway retries). */
  async writeReadings(readings: readonly Reading[]): Promise<void> {
    await this.write(readingsToPoints(readings), 'readings');
  }

  /**
   * A device's series in buckets of `everyMs`: short ranges (up to two days) and buckets that are not
   * whole hours from the points, long ranges from the hourly roll-ups with the range widened to
   * whole hours (issue 19: a 30-day query among 10,000 devices reads 720 roll-up rows, not 8,640 points).
   */
  async buckets(q: SeriesQuery, everyMs: number): Promise<Buckets> {
    if (everyMs % HOUR_MS !== 0 || q.to - q.from <= ROLLUP_AFTER_MS) {
      return { series: await this.store.downsample(q, everyMs), resolution: 'raw', from: q.from, to: q.to };
    }
    const from = Math.floor(q.from / HOUR_MS) * HOUR_MS;
    const to = Math.ceil(q.to / HOUR_MS) * HOUR_MS;
    return { series: await this.store.rolledUp({ ...q, from, to }, everyMs), resolution: '1h', from, to };
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

  /**
   * Starts the periodic job that brings the store's roll-ups and status snapshots up to date
   * (queries bring what they read up to date themselves; this keeps the work small and Grafana's
   * roll-ups fresh).
   */
  start(everyMs = FLUSH_EVERY_MS): void {
    this.flushTimer = setInterval(() => {
      this.store.flush(this.now()).catch((error: unknown) => {
        this.failures.inc({ source: 'rollup' });
        this.log.error({ err: error, store: this.store.kind }, 'history roll-up failed; it is tried again');
      });
    }, everyMs);
    this.flushTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
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
