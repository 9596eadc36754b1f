import { escape } from 'influx';
import { READING_FIELD_KINDS } from '../../../contract/index.ts';
import { cast, ROLLUP_RP } from './influx-conn.ts';
import type { InfluxConn } from './influx-conn.ts';
import { readingKind } from './sqlite-history.ts';
import { HOUR_MS } from './sqlite-rollup.ts';
import type { FieldSeries, ReadingPoint, SeriesQuery, StoredPoint } from './types.ts';

/** The roll-up measurement (in the `rollup` policy): per hour and series, `sum_F`, `count_F`, `min_F`, `max_F`, `last_F` of each field F. */
export const ROLLUP_MEASUREMENT = 'reading_1h';
/** Hours rolled up in one statement: a month of points of every series is too much for one answer. */
const HOURS_A_STATEMENT = 24;

const tagFilter = (site: string, device: string) => `"site" = ${escape.stringLit(site)} AND "device" = ${escape.stringLit(device)}`;

/**
 * Hourly roll-ups of `reading` in InfluxDB 1.x, written by the server rather than by a continuous
 * query: a CQ only resamples a window before influxd's own clock, and a gateway's backlog or a
 * replay arrives with device times hours or days old. The hours a write touched are noted per
 * series; InfluxDB computes them (`SELECT … INTO … GROUP BY time(1h), *`) when a query needs one,
 * and the periodic job does the rest. On open, the two hours before now are redone (what a crash
 * may have left noted but not rolled up).
 */
export class InfluxRollup {
  /** Hours (their start, epoch ms) touched by writes and not rolled up since, with the series touched. */
  private readonly dirty = new Map<number, Set<string>>();

  constructor(private readonly conn: InfluxConn) {}

  note(points: readonly ReadingPoint[]): void {
    for (const p of points) this.mark(p.ts - (p.ts % HOUR_MS), `${p.siteId}\u0000${p.deviceId}`);
  }

  private mark(hour: number, key: string): void {
    let series = this.dirty.get(hour);
    if (!series) this.dirty.set(hour, series = new Set());
    series.add(key);
  }

  /** Rolls up every noted hour. Notes made meanwhile stay for the next time. */
  async flush(): Promise<void> {
    const taken = new Map(this.dirty);
    this.dirty.clear();
    try {
      for (const [from, to] of runs([...taken.keys()].sort((a, b) => a - b))) {
        await this.rollUp(from, to, '');
        for (let h = from; h < to; h += HOUR_MS) taken.delete(h);
      }
    } finally {
      for (const [h, series] of taken) for (const key of series) this.mark(h, key);
    }
  }

  /** Rolls up `hours` from `from` back (a restart's catch-up). */
  async redo(from: number, to: number): Promise<void> {
    await this.rollUp(from - (from % HOUR_MS), to, '');
  }

  /** The hourly buckets of one device, after rolling up what its writes left noted in the range. */
  async read(q: SeriesQuery, everyMs: number): Promise<FieldSeries[]> {
    const key = `${q.siteId}\u0000${q.deviceId}`;
    const mine = [...this.dirty.entries()].filter(([h, s]) => h >= q.from && h < q.to && s.has(key)).map(([h]) => h).sort((a, b) => a - b);
    for (const h of mine) {
      const series = this.dirty.get(h)!;
      series.delete(key);
      if (series.size === 0) this.dirty.delete(h);
    }
    for (const [from, to] of runs(mine)) {
      try {
        await this.rollUp(from, to, ` AND ${tagFilter(q.siteId, q.deviceId)}`);
      } catch (error) {
        for (const h of mine) if (h >= from) this.mark(h, key);
        throw error;
      }
    }
    const fields = (q.fields ?? Object.keys(READING_FIELD_KINDS)).filter((f) => f in READING_FIELD_KINDS).sort();
    const where = `${tagFilter(q.siteId, q.deviceId)} AND time >= ${q.from}ms AND time < ${q.to}ms`;
    const from = `FROM "${ROLLUP_RP}"."${ROLLUP_MEASUREMENT}" WHERE ${where} GROUP BY time(${everyMs}ms) fill(none)`;
    const results = await this.conn.query(fields.map((f) => readingKind(f) === 'number'
      ? `SELECT SUM(${escape.quoted(`sum_${f}`)}), SUM(${escape.quoted(`count_${f}`)}), MIN(${escape.quoted(`min_${f}`)}), MAX(${escape.quoted(`max_${f}`)}) ${from}`
      : `SELECT LAST(${escape.quoted(`last_${f}`)}), SUM(${escape.quoted(`count_${f}`)}) ${from}`));
    const out: FieldSeries[] = [];
    fields.forEach((field, i) => {
      const kind = readingKind(field);
      const rows = (results[i]?.series?.[0]?.values ?? []).filter((row) => row[1] !== null && row[2] !== null);
      const points: StoredPoint[] = rows.map((row) => kind === 'number'
        ? { t: Number(row[0]), value: Number(row[1]) / Number(row[2]), min: Number(row[3]), max: Number(row[4]), count: Number(row[2]) }
        : { t: Number(row[0]), value: cast(row[1], kind), count: Number(row[2]) });
      if (points.length > 0) out.push({ field, points, truncated: false });
    });
    return out;
  }

  private async rollUp(from: number, to: number, filter: string): Promise<void> {
    for (let start = from; start < to; start += HOURS_A_STATEMENT * HOUR_MS) {
      const end = Math.min(to, start + HOURS_A_STATEMENT * HOUR_MS);
      await this.conn.query([`SELECT SUM(*), COUNT(*), MIN(*), MAX(*), LAST(*) INTO "${ROLLUP_RP}"."${ROLLUP_MEASUREMENT}" FROM "reading"
        WHERE time >= ${start}ms AND time < ${end}ms${filter} GROUP BY time(1h), *`]);
    }
  }
}

/** Sorted hour starts as [from, to) runs of consecutive hours. */
function runs(hours: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const h of hours) {
    const last = out[out.length - 1];
    if (last && last[1] === h) last[1] = h + HOUR_MS;
    else out.push([h, h + HOUR_MS]);
  }
  return out;
}
