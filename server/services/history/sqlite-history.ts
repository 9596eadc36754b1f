import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { READING_FIELD_KINDS, STATUS_FIELD_KINDS } from '../../../contract/index.ts';
import type { FieldKind, FieldValue } from '../../../contract/index.ts';
import { migrateRollup, rollupStatements } from './sqlite-rollup.ts';
import { sqliteSnapshotBackend } from './sqlite-snapshots.ts';
import { StatusSnapshots } from './status-snapshots.ts';
import type { FieldSeries, HistoryBatch, HistoryStore, ReadingPoint, SeriesQuery, StatusPoint, StoredPoint } from './types.ts';

export const HISTORY_DB_FILE = 'history.db';

type Measurement = 'reading' | 'device_status';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    measurement TEXT NOT NULL,
    site TEXT NOT NULL,
    device TEXT NOT NULL,
    field TEXT NOT NULL,
    UNIQUE (site, device, measurement, field)
  );
  -- No declared type on value: SQLite keeps numbers, 0/1 and text as given.
  CREATE TABLE IF NOT EXISTS points (
    series INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    value,
    PRIMARY KEY (series, ts)
  ) WITHOUT ROWID;
`;

interface SeriesRow { id: number; device: string; site: string; field: string }
interface Row { series: number; ts: number; value: number | string }

/** Rows a multi-row INSERT carries (3 parameters each; SQLite allows 32,766 since 3.32). */
const INSERT_ROWS = 256;

/**
 * The embedded history store: `{dataDir}/history.db`, apart from `server.db` so a month of
 * readings never slows the alarm store's commits or backups. One row per (series, time, value),
 * the series being InfluxDB's (measurement, site, device, field): a range of one field of one
 * device is one index range. synchronous=NORMAL: history is not an acknowledgement; a power cut
 * may lose the last moments of it, never corrupt it (SQLite WAL).
 */
export function openSqliteHistory(dataDir: string): HistoryStore {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, HISTORY_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  migrateRollup(db);
  const snapshots = new StatusSnapshots(sqliteSnapshotBackend(db));
  // A failure is retried, and thrown, by the first flush.
  snapshots.recover().catch(() => undefined);
  const rollup = rollupStatements(db);
  // Series ids by measurement, site, device, then field: one lookup per point and a few per field,
  // no key string built per row (a profile of the 5,000-point batches showed a fifth of the write there).
  const ids: Record<Measurement, Map<string, Map<string, Map<string, number>>>> = { reading: new Map(), device_status: new Map() };
  const fieldIds = (m: Measurement, site: string, device: string): Map<string, number> => {
    let devices = ids[m].get(site);
    if (!devices) ids[m].set(site, devices = new Map());
    let fields = devices.get(device);
    if (!fields) devices.set(device, fields = new Map());
    return fields;
  };
  for (const row of db.prepare('SELECT id, measurement, site, device, field FROM series').all() as Array<SeriesRow & { measurement: Measurement }>) {
    fieldIds(row.measurement, row.site, row.device).set(row.field, row.id);
  }
  const insertSeries = db.prepare('INSERT INTO series (measurement, site, device, field) VALUES (?, ?, ?, ?)');
  // Many rows a statement: each run() crosses into SQLite once for INSERT_ROWS rows, not once a row.
  const insertRows = new Map<number, Database.Statement>();
  const insertStatement = (rows: number) => {
    let st = insertRows.get(rows);
    // An upsert, not INSERT OR REPLACE: a replaced point is an UPDATE, which the roll-up's trigger sees.
    if (!st) insertRows.set(rows, st = db.prepare(`INSERT INTO points (series, ts, value) VALUES ${Array(rows).fill('(?, ?, ?)').join(', ')}
      ON CONFLICT (series, ts) DO UPDATE SET value = excluded.value`));
    return st;
  };
  const seriesOfDevice = db.prepare("SELECT id, field FROM series WHERE measurement = 'reading' AND site = ? AND device = ?");
  const rawRange = db.prepare('SELECT ts, value FROM points WHERE series = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?');
  const numberBuckets = db.prepare(`
    SELECT ts - ts % @every AS t, avg(value) AS value, min(value) AS min, max(value) AS max, count(*) AS count
    FROM points WHERE series = @series AND ts >= @from AND ts < @to GROUP BY t ORDER BY t`);
  // SQLite's bare column beside max(): the value of the row holding the bucket's newest time.
  const lastBuckets = db.prepare(`
    SELECT ts - ts % @every AS t, max(ts) AS newest, value, count(*) AS count
    FROM points WHERE series = @series AND ts >= @from AND ts < @to GROUP BY t ORDER BY t`);

  /** Series made by the batch in progress: forgotten again if its transaction rolls back. */
  const created: Array<() => void> = [];
  /** The batch's rows (series, ts, value), each point's fields in turn. */
  const rowsOf = (m: Measurement, points: ReadonlyArray<ReadingPoint | StatusPoint>, rows: Row[]) => {
    for (const p of points) {
      const fields = fieldIds(m, p.siteId, p.deviceId);
      for (const field in p.fields) {
        const value = (p.fields as Record<string, FieldValue | undefined>)[field];
        if (value === undefined) continue;
        let id = fields.get(field);
        if (id === undefined) {
          fields.set(field, id = Number(insertSeries.run(m, p.siteId, p.deviceId, field).lastInsertRowid));
          created.push(() => fields.delete(field));
        }
        rows.push({ series: id, ts: p.ts, value: toSql(value) });
      }
    }
  };
  const writeBatch = db.transaction((batch: HistoryBatch) => {
    const rows: Row[] = [];
    rowsOf('reading', batch.readings, rows);
    rowsOf('device_status', batch.status, rows);
    // In key order, the inserts walk the primary key's B-tree from left to right instead of hopping
    // across it (a gateway's batch is many devices round robin): ~1.5x fewer CPU ms a point.
    // The sort is stable, so of two rows of one series and time the later still wins (the upsert).
    rows.sort((a, b) => a.series - b.series || a.ts - b.ts);
    const args: Array<number | string> = [];
    let i = 0;
    for (; i + INSERT_ROWS <= rows.length; i += INSERT_ROWS) {
      args.length = 0;
      for (let j = i; j < i + INSERT_ROWS; j++) args.push(rows[j]!.series, rows[j]!.ts, rows[j]!.value);
      insertStatement(INSERT_ROWS).run(args);
    }
    if (i < rows.length) {
      args.length = 0;
      for (let j = i; j < rows.length; j++) args.push(rows[j]!.series, rows[j]!.ts, rows[j]!.value);
      insertStatement(rows.length - i).run(args);
    }
  });
  const fieldsOf = (q: SeriesQuery): Array<{ id: number; field: string }> => {
    const all = seriesOfDevice.all(q.siteId, q.deviceId) as Array<{ id: number; field: string }>;
    const wanted = q.fields ? all.filter((s) => q.fields!.includes(s.field)) : all;
    return wanted.sort((a, b) => a.field.localeCompare(b.field));
  };
  /** Buckets of each field: numbers by one statement, booleans and strings (the bucket's last value) by the other. */
  const bucketed = (q: SeriesQuery, everyMs: number, st: { numbers: Database.Statement; last: Database.Statement }): FieldSeries[] => {
    const out: FieldSeries[] = [];
    for (const { id, field } of fieldsOf(q)) {
      const kind = readingKind(field);
      // BigInt: better-sqlite3 binds numbers as REAL, and a REAL modulus would not align buckets.
      const args = { series: id, from: q.from, to: q.to, every: BigInt(everyMs) };
      const points: StoredPoint[] = kind === 'number'
        ? (st.numbers.all(args) as Array<{ t: number; value: number; min: number; max: number; count: number }>).map((r) => ({ ...r }))
        : (st.last.all(args) as Array<{ t: number; value: unknown; count: number }>).map((r) => ({ t: r.t, value: fromSql(r.value, kind), count: r.count }));
      if (points.length > 0) out.push({ field, points, truncated: false });
    }
    return out;
  };
  let closed = false;

  return {
    kind: 'embedded',
    async write(batch) {
      try {
        writeBatch(batch);
        snapshots.note(batch.status);
      } catch (error) {
        for (const forget of created) forget();
        throw error;
      } finally {
        created.length = 0;
      }
    },
    async raw(q, limit) {
      return fieldsOf(q).map(({ id, field }) => {
        const rows = rawRange.all(id, q.from, q.to, limit + 1) as Array<{ ts: number; value: unknown }>;
        const kind = readingKind(field);
        return { field, truncated: rows.length > limit, points: rows.slice(0, limit).map((r) => ({ t: r.ts, value: fromSql(r.value, kind) })) };
      }).filter((s) => s.points.length > 0);
    },
    downsample: async (q, everyMs) => bucketed(q, everyMs, { numbers: numberBuckets, last: lastBuckets }),
    rolledUp: async (q, everyMs) => bucketed(q, everyMs, rollup),
    statusAt: (sites, at) => snapshots.statusAt(sites, at),
    flush: () => snapshots.flush(),
    async close() {
      if (closed) return;
      await snapshots.flush();
      closed = true;
      db.close();
    },
  };
}

export function readingKind(field: string): FieldKind {
  return (READING_FIELD_KINDS as Record<string, FieldKind>)[field] ?? 'number';
}

function toSql(value: FieldValue): number | string {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function fromSql(value: unknown, kind: FieldKind): FieldValue {
  if (kind === 'boolean') return value === 1 || value === true;
  if (kind === 'string') return String(value);
  return Number(value);
}
