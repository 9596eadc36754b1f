import { FieldType, InfluxDB, escape } from 'influx';
import { READING_FIELD_KINDS, STATUS_FIELD_KINDS } from '../../../contract/index.ts';
import type { FieldKind, FieldValue } from '../../../contract/index.ts';
import { line, seriesKey } from './line-protocol.ts';
import { applyStatus, readingKind } from './sqlite-history.ts';
import type { FieldSeries, HistoryBatch, HistoryStore, SeriesQuery, StatusSnapshot, StoredPoint } from './types.ts';

/** Points per write request: InfluxDB's docs advise batches of 5,000–10,000 points. */
const WRITE_CHUNK = 5000;
/** Up to this many sites are named in the query; more, and every site is read and filtered here. */
const MAX_NAMED_SITES = 100;

const TYPE: Record<FieldKind, FieldType> = { number: FieldType.FLOAT, boolean: FieldType.BOOLEAN, string: FieldType.STRING };
const typesOf = (kinds: Record<string, FieldKind>) => Object.fromEntries(Object.entries(kinds).map(([f, k]) => [f, TYPE[k]]));

interface RawSeries { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }
interface RawResult { statement_id: number; series?: RawSeries[]; error?: string }

/**
 * The history in InfluxDB 1.x through the `influx` package (CONTRACT.md: CAREWATCH_INFLUX_URL,
 * e.g. `http://127.0.0.1:8086/carewatch`, selects it; the path names the database, made when
 * missing). The schema given to the client fixes each field's type, so a number is never written
 * as an integer one day and a float the next (InfluxDB refuses a second type in a shard).
 */
export async function openInfluxHistory(url: string): Promise<HistoryStore> {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (!database) throw new Error(`CAREWATCH_INFLUX_URL ${u.origin}: name the database in the path, e.g. ${u.origin}/carewatch`);
  const influx = new InfluxDB({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 8086)),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    database,
    username: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password) || 'root',
    schema: [
      { measurement: 'reading', tags: ['site', 'device'], fields: typesOf(READING_FIELD_KINDS) },
      { measurement: 'device_status', tags: ['site', 'device'], fields: typesOf(STATUS_FIELD_KINDS) },
    ],
  });
  await influx.createDatabase(database);
  const writeUrl = `${u.protocol}//${u.host}/write?db=${encodeURIComponent(database)}&precision=ms`;
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username) || 'root'}:${decodeURIComponent(u.password) || 'root'}`).toString('base64')}`;
  const readingKinds = READING_FIELD_KINDS as Record<string, FieldKind>;
  const statusKinds = STATUS_FIELD_KINDS as Record<string, FieldKind>;
  const post = async (body: string) => {
    const res = await fetch(writeUrl, { method: 'POST', body, headers: { authorization, 'content-type': 'text/plain; charset=utf-8' } });
    // 204: written. Anything else names InfluxDB's reason (a type conflict, a full disk, a bad login).
    if (res.status !== 204) throw new Error(`InfluxDB write: ${res.status} ${(await res.text()).slice(0, 300)}`);
  };

  const query = async (statements: string[]): Promise<RawResult[]> => {
    if (statements.length === 0) return [];
    const body = await influx.queryRaw(statements.join(';\n'), { precision: 'ms' }) as { results: RawResult[] };
    for (const r of body.results) if (r.error) throw new Error(`InfluxDB: ${r.error}`);
    return body.results;
  };
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
      for (let i = 0; i < lines.length; i += WRITE_CHUNK) await post(lines.slice(i, i + WRITE_CHUNK).join('\n'));
    },
    async raw(q, limit) {
      const fields = fieldsOf(q);
      const results = await query(fields.map((f) => `SELECT ${escape.quoted(f)} FROM "reading" WHERE ${where(q)} ORDER BY time ASC LIMIT ${limit + 1}`));
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
      const results = await query(fields.map((f) => {
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
    async statusAt(sites, at) {
      if (sites !== 'all' && sites.length === 0) return [];
      const named = sites !== 'all' && sites.length <= MAX_NAMED_SITES;
      const siteFilter = named ? ` AND (${sites.map((s) => `"site" = ${escape.stringLit(s)}`).join(' OR ')})` : '';
      const fields = Object.keys(STATUS_FIELD_KINDS);
      // One statement per field: with a single selector InfluxDB answers the point's own time.
      const results = await query(fields.map((f) => `SELECT LAST(${escape.quoted(f)}) FROM "device_status" WHERE time <= ${at}ms${siteFilter} GROUP BY "site", "device"`));
      const wanted = sites === 'all' || named ? undefined : new Set(sites);
      const byDevice = new Map<string, StatusSnapshot>();
      fields.forEach((field, i) => {
        for (const s of results[i]?.series ?? []) {
          const siteId = s.tags?.site ?? '';
          const deviceId = s.tags?.device ?? '';
          if (wanted && !wanted.has(siteId)) continue;
          const row = s.values[0];
          if (!row || row[1] === null) continue;
          const key = `${siteId}\u0000${deviceId}`;
          let snap = byDevice.get(key);
          if (!snap) byDevice.set(key, snap = { siteId, deviceId });
          applyStatus(snap, field, cast(row[1], (STATUS_FIELD_KINDS as Record<string, FieldKind>)[field]!), Number(row[0]));
        }
      });
      return [...byDevice.values()];
    },
    async close() {
      // The client holds no connection of its own between requests.
    },
  };
}

function cast(value: unknown, kind: FieldKind): FieldValue {
  if (kind === 'boolean') return value === true || value === 'true';
  if (kind === 'string') return String(value);
  return Number(value);
}
