import { escape } from 'influx';
import { READING_FIELD_KINDS, STATUS_FIELD_KINDS } from '../../../contract/index.ts';
import type { FieldKind } from '../../../contract/index.ts';
import { cast, connectInflux } from './influx-conn.ts';
import { InfluxRollup } from './influx-rollup.ts';
import { influxSnapshotBackend } from './influx-snapshots.ts';
import { line, seriesKey } from './line-protocol.ts';
import { readingKind } from './sqlite-history.ts';
import { HOUR_MS } from './sqlite-rollup.ts';
import { StatusSnapshots } from './status-snapshots.ts';
import type { FieldSeries, HistoryStore, SeriesQuery, StoredPoint } from './types.ts';

/**
 * The history in InfluxDB 1.x through the `influx` package (CONTRACT.md: CAREWATCH_INFLUX_URL,
 * e.g. `http://127.0.0.1:8086/carewatch`, selects it; the path names the database, made when
 * missing). The schema given to the client fixes each field's type, so a number is never written
 * as an integer one day and a float the next (InfluxDB refuses a second type in a shard). Raw
 * points in the database's default retention policy; hourly roll-ups (influx-rollup.ts) and daily
 * status snapshots (influx-snapshots.ts) in the `rollup` policy.
 */
export async function openInfluxHistory(url: string, now: () => number = Date.now): Promise<HistoryStore> {
  const conn = await connectInflux(url);
  const readingKinds = READING_FIELD_KINDS as Record<string, FieldKind>;
  const statusKinds = STATUS_FIELD_KINDS as Record<string, FieldKind>;
  const rollup = new InfluxRollup(conn);
  const snapshots = new StatusSnapshots(influxSnapshotBackend(conn));
  await snapshots.recover();
  // What a crash may have left noted but not rolled up: the last two hours.
  await rollup.redo(now() - 2 * HOUR_MS, now() + HOUR_MS);

  const where = (q: SeriesQuery) => `"site" = ${escape.stringLit(q.siteId)} AND "device" = ${escape.stringLit(q.deviceId)} AND time >= ${q.from}ms AND time < ${q.to}ms`;
  const fieldsOf = (q: SeriesQuery) => (q.fields ?? Object.keys(READING_FIELD_KINDS)).filter((f) => f in READING_FIELD_KINDS).sort();

  return {
    kind: 'influx',
    async write(batch) {
      const lines: string[] = [];
      for (const p of batch.readings) {
        const l = line(seriesKey('reading', p.siteId, p.deviceId), p.fields, p.ts, readingKinds);
        if (l) lines.push(l);
      }
      for (const p of batch.status) {
        const l = line(seriesKey('device_status', p.siteId, p.deviceId), p.fields, p.ts, statusKinds);
        if (l) lines.push(l);
      }
      try {
        await conn.post(lines);
      } finally {
        // Noted even when a chunk failed: those before it are written, and folding a point twice changes nothing.
        rollup.note(batch.readings);
        snapshots.note(batch.status);
      }
    },
    async raw(q, limit) {
      const fields = fieldsOf(q);
      const results = await conn.query(fields.map((f) => `SELECT ${escape.quoted(f)} FROM "reading" WHERE ${where(q)} ORDER BY time ASC LIMIT ${limit + 1}`));
      return fields.map((field, i) => {
        const values = results[i]?.series?.[0]?.values ?? [];
        const kind = readingKind(field);
        const points = values.slice(0, limit).map(([t, v]) => ({ t: Number(t), value: cast(v, kind) }));
        return { field, points, truncated: values.length > limit };
      }).filter((s) => s.points.length > 0);
    },
    async downsample(q, everyMs) {
      const fields = fieldsOf(q);
      const group = `GROUP BY time(${everyMs}ms) fill(none)`;
      const results = await conn.query(fields.map((f) => {
        const x = escape.quoted(f);
        return readingKind(f) === 'number'
          ? `SELECT MEAN(${x}), MIN(${x}), MAX(${x}), COUNT(${x}) FROM "reading" WHERE ${where(q)} ${group}`
          : `SELECT LAST(${x}), COUNT(${x}) FROM "reading" WHERE ${where(q)} ${group}`;
      }));
      const out: FieldSeries[] = [];
      fields.forEach((field, i) => {
        const kind = readingKind(field);
        const points: StoredPoint[] = (results[i]?.series?.[0]?.values ?? []).filter((row) => row[1] !== null).map((row) => kind === 'number'
          ? { t: Number(row[0]), value: Number(row[1]), min: Number(row[2]), max: Number(row[3]), count: Number(row[4]) }
          : { t: Number(row[0]), value: cast(row[1], kind), count: Number(row[2]) });
        if (points.length > 0) out.push({ field, points, truncated: false });
      });
      return out;
    },
    rolledUp: (q, everyMs) => rollup.read(q, everyMs),
    statusAt: (sites, at) => snapshots.statusAt(sites, at),
    async flush(endedBefore) {
      await rollup.flush(endedBefore);
      await snapshots.flush();
    },
    async close() {
      // The client holds no connection of its own between requests; what is noted is rolled up now.
      await rollup.flush();
      await snapshots.flush();
    },
  };
}
