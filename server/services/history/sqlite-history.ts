import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { READING_FIELD_KINDS, STATUS_FIELD_KINDS } from '../../../contract/index.ts';
import type { FieldKind, FieldValue } from '../../../contract/index.ts';
import type { FieldSeries, HistoryBatch, HistoryStore, SeriesQuery, StatusSnapshot, StoredPoint } from './types.ts';

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
  const ids = new Map<string, number>();
  for (const row of db.prepare('SELECT id, measurement, site, device, field FROM series').all() as Array<SeriesRow & { measurement: string }>) {
    ids.set(seriesKey(row.measurement, row.site, row.device, row.field), row.id);
  }
  const insertSeries = db.prepare('INSERT INTO series (measurement, site, device, field) VALUES (?, ?, ?, ?)');
  const insertPoint = db.prepare('INSERT OR REPLACE INTO points (series, ts, value) VALUES (?, ?, ?)');
  const seriesOfDevice = db.prepare("SELECT id, field FROM series WHERE measurement = 'reading' AND site = ? AND device = ?");
  const statusSeriesOfSite = db.prepare("SELECT id, site, device, field FROM series WHERE measurement = 'device_status' AND site = ?");
  const statusSeries = db.prepare("SELECT id, site, device, field FROM series WHERE measurement = 'device_status'");
  const lastAt = db.prepare('SELECT ts, value FROM points WHERE series = ? AND ts <= ? ORDER BY ts DESC LIMIT 1');
  const rawRange = db.prepare('SELECT ts, value FROM points WHERE series = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?');
  const numberBuckets = db.prepare(`
    SELECT ts - ts % @every AS t, avg(value) AS value, min(value) AS min, max(value) AS max, count(*) AS count
    FROM points WHERE series = @series AND ts >= @from AND ts < @to GROUP BY t ORDER BY t`);
  // SQLite's bare column beside max(): the value of the row holding the bucket's newest time.
  const lastBuckets = db.prepare(`
    SELECT ts - ts % @every AS t, max(ts) AS newest, value, count(*) AS count
    FROM points WHERE series = @series AND ts >= @from AND ts < @to GROUP BY t ORDER BY t`);

  const seriesId = (m: Measurement, site: string, device: string, field: string): number => {
    const key = seriesKey(m, site, device, field);
    let id = ids.get(key);
    if (id === undefined) {
      id = Number(insertSeries.run(m, site, device, field).lastInsertRowid);
      ids.set(key, id);
    }
    return id;
  };
  const writeBatch = db.transaction((batch: HistoryBatch) => {
    for (const p of batch.readings) {
      for (const [field, value] of Object.entries(p.fields)) insertPoint.run(seriesId('reading', p.siteId, p.deviceId, field), p.ts, toSql(value));
    }
    for (const p of batch.status) {
      for (const [field, value] of Object.entries(p.fields)) {
        if (value !== undefined) insertPoint.run(seriesId('device_status', p.siteId, p.deviceId, field), p.ts, toSql(value));
      }
    }
  });
  const fieldsOf = (q: SeriesQuery): Array<{ id: number; field: string }> => {
    const all = seriesOfDevice.all(q.siteId, q.deviceId) as Array<{ id: number; field: string }>;
    const wanted = q.fields ? all.filter((s) => q.fields!.includes(s.field)) : all;
    return wanted.sort((a, b) => a.field.localeCompare(b.field));
  };
  let closed = false;

  return {
    kind: 'embedded',
    async write(batch) {
      writeBatch(batch);
    },
    async raw(q, limit) {
      return fieldsOf(q).map(({ id, field }) => {
        const rows = rawRange.all(id, q.from, q.to, limit + 1) as Array<{ ts: number; value: unknown }>;
        const kind = readingKind(field);
        return { field, truncated: rows.length > limit, points: rows.slice(0, limit).map((r) => ({ t: r.ts, value: fromSql(r.value, kind) })) };
      }).filter((s) => s.points.length > 0);
    },
    async downsample(q, everyMs) {
      const out: FieldSeries[] = [];
      for (const { id, field } of fieldsOf(q)) {
        const kind = readingKind(field);
        // BigInt: better-sqlite3 binds numbers as REAL, and a REAL modulus would not align buckets.
        const args = { series: id, from: q.from, to: q.to, every: BigInt(everyMs) };
        const points: StoredPoint[] = kind === 'number'
          ? (numberBuckets.all(args) as Array<{ t: number; value: number; min: number; max: number; count: number }>).map((r) => ({ ...r }))
          : (lastBuckets.all(args) as Array<{ t: number; value: unknown; count: number }>).map((r) => ({ t: r.t, value: fromSql(r.value, kind), count: r.count }));
        if (points.length > 0) out.push({ field, points, truncated: false });
      }
      return out;
    },
    async statusAt(sites, at) {
      const rows = sites === 'all' ? statusSeries.all() as SeriesRow[] : sites.flatMap((s) => statusSeriesOfSite.all(s) as SeriesRow[]);
      const byDevice = new Map<string, StatusSnapshot>();
      for (const row of rows) {
        const last = lastAt.get(row.id, at) as { ts: number; value: unknown } | undefined;
        if (!last) continue;
        const key = `${row.site}\u0000${row.device}`;
        let snap = byDevice.get(key);
        if (!snap) byDevice.set(key, snap = { siteId: row.site, deviceId: row.device });
        applyStatus(snap, row.field, fromSql(last.value, statusKind(row.field)), last.ts);
      }
      return [...byDevice.values()];
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** Puts one status field's newest value into a snapshot (shared with the InfluxDB store). */
export function applyStatus(snap: StatusSnapshot, field: string, value: FieldValue, ts: number): void {
  switch (field) {
    case 'seen': snap.lastSeen = ts; break;
    case 'self_test': snap.lastSelfTest = ts; break;
    case 'battery': snap.battery = { value: Number(value), ts }; break;
    case 'online': case 'battery_low': case 'tamper': case 'fault':
      snap[field] = { value: Boolean(value), ts };
      break;
    default: break; // a field this version does not know: ignored, not guessed at
  }
}

function seriesKey(m: string, site: string, device: string, field: string): string {
  return `${m}\u0000${site}\u0000${device}\u0000${field}`;
}

export function readingKind(field: string): FieldKind {
  return (READING_FIELD_KINDS as Record<string, FieldKind>)[field] ?? 'number';
}

function statusKind(field: string): FieldKind {
  return (STATUS_FIELD_KINDS as Record<string, FieldKind>)[field] ?? 'number';
}

function toSql(value: FieldValue): number | string {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function fromSql(value: unknown, kind: FieldKind): FieldValue {
  if (kind === 'boolean') return value === 1 || value === true;
  if (kind === 'string') return String(value);
  return Number(value);
}
