import { FieldType, InfluxDB, escape } from 'influx';
import { READING_FIELD_KINDS, STATUS_FIELD_KINDS } from '../../../contract/index.ts';
import type { FieldKind, FieldValue } from '../../../contract/index.ts';

/** Points per write request: InfluxDB's docs advise batches of 5,000–10,000 points. */
export const WRITE_CHUNK = 5000;
/** The retention policy of the roll-ups and snapshots: kept when an installation shortens the raw points' policy. */
export const ROLLUP_RP = 'rollup';

export interface RawSeries { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }
export interface RawResult { statement_id: number; series?: RawSeries[]; error?: string }

/** One InfluxDB database: statements answered together, line protocol posted to a retention policy. */
export interface InfluxConn {
  database: string;
  /** Runs the statements in one request; throws on the first statement InfluxDB refused. */
  query(statements: string[]): Promise<RawResult[]>;
  /** Posts lines (ms precision), to the default retention policy or `rp`. */
  post(lines: readonly string[], rp?: string): Promise<void>;
}

const TYPE: Record<FieldKind, FieldType> = { number: FieldType.FLOAT, boolean: FieldType.BOOLEAN, string: FieldType.STRING };
const typesOf = (kinds: Record<string, FieldKind>) => Object.fromEntries(Object.entries(kinds).map(([f, k]) => [f, TYPE[k]]));

/**
 * Connects to the database CAREWATCH_INFLUX_URL names (e.g. `http://127.0.0.1:8086/carewatch`),
 * making it, and the roll-ups' retention policy, when missing.
 */
export async function connectInflux(url: string): Promise<InfluxConn> {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (!database) throw new Error(`CAREWATCH_INFLUX_URL ${u.origin}: name the database in the path, e.g. ${u.origin}/carewatch`);
  const username = decodeURIComponent(u.username) || 'root';
  const password = decodeURIComponent(u.password) || 'root';
  const influx = new InfluxDB({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 8086)),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    database, username, password,
    schema: [
      { measurement: 'reading', tags: ['site', 'device'], fields: typesOf(READING_FIELD_KINDS) },
      { measurement: 'device_status', tags: ['site', 'device'], fields: typesOf(STATUS_FIELD_KINDS) },
    ],
  });
  await influx.createDatabase(database);
  const writeUrl = `${u.protocol}//${u.host}/write?db=${encodeURIComponent(database)}&precision=ms`;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const conn: InfluxConn = {
    database,
    async query(statements) {
      if (statements.length === 0) return [];
      const body = await influx.queryRaw(statements.join(';\n'), { precision: 'ms' }) as { results: RawResult[] };
      for (const r of body.results) if (r.error) throw new Error(`InfluxDB: ${r.error}`);
      return body.results;
    },
    async post(lines, rp) {
      for (let i = 0; i < lines.length; i += WRITE_CHUNK) {
        const res = await fetch(rp ? `${writeUrl}&rp=${encodeURIComponent(rp)}` : writeUrl, {
          method: 'POST', body: lines.slice(i, i + WRITE_CHUNK).join('\n'), headers: { authorization, 'content-type': 'text/plain; charset=utf-8' },
        });
        // 204: written. Anything else names InfluxDB's reason (a type conflict, a full disk, a bad login).
        if (res.status !== 204) throw new Error(`InfluxDB write: ${res.status} ${(await res.text()).slice(0, 300)}`);
      }
    },
  };
  // Never expiring unless an administrator says otherwise: the policy is made once and left as they set it.
  const [made] = await influx.queryRaw(`CREATE RETENTION POLICY "${ROLLUP_RP}" ON ${escape.quoted(database)} DURATION INF REPLICATION 1`).then((b: { results: RawResult[] }) => b.results);
  if (made?.error && made.error !== 'retention policy already exists') throw new Error(`InfluxDB: ${made.error}`);
  return conn;
}

/** A value as InfluxDB's JSON gives it, as the field's kind. */
export function cast(value: unknown, kind: FieldKind): FieldValue {
  if (kind === 'boolean') return value === true || value === 'true';
  if (kind === 'string') return String(value);
  return Number(value);
}
