import { escape } from 'influx';
import { STATUS_FIELD_KINDS } from '../../../contract/index.ts';
import type { FieldKind } from '../../../contract/index.ts';
import { cast, ROLLUP_RP } from './influx-conn.ts';
import type { InfluxConn, RawSeries } from './influx-conn.ts';
import { escapeKey, line } from './line-protocol.ts';
import type { DeviceState, SiteStates, SnapshotBackend, StatusRow } from './status-snapshots.ts';

/** Up to this many sites are named in a query; more, and every site is read and filtered here. */
const MAX_NAMED_SITES = 100;
/** InfluxDB keeps string fields up to 64 KB: a big site's snapshot is written in parts. */
const PART_CHARS = 60_000;

const STATUS_KINDS = STATUS_FIELD_KINDS as Record<string, FieldKind>;

/**
 * The daily status snapshots (status-snapshots.ts) in InfluxDB, in the `rollup` retention policy:
 * `status_snapshot` (tags `site`, `part`; field `devices`, JSON `{ device: { field: [value, ms] } }`)
 * at each midnight, and `status_snapshot_day` (field `n`) marking the midnights written. One
 * series a site, not a device: InfluxDB's cost is by series (reading one point of each of 6,000
 * device series took ~150 ms here, one of each of 1,000 site series ~25 ms).
 */
export function influxSnapshotBackend(conn: InfluxConn): SnapshotBackend {
  const siteFilter = (sites: readonly string[] | 'all') => (sites !== 'all' && sites.length <= MAX_NAMED_SITES
    ? ` AND (${sites.map((s) => `"site" = ${escape.stringLit(s)}`).join(' OR ')})` : '');
  const rowsOf = (series: RawSeries | undefined) => {
    if (!series) return [];
    const col = (name: string) => series.columns.indexOf(name);
    return series.values.map((v) => (name: string) => v[col(name)]);
  };
  return {
    async newestSnapshot(t) {
      const [r] = await conn.query([`SELECT LAST("n") FROM "${ROLLUP_RP}"."status_snapshot_day" WHERE time <= ${t}ms`]);
      const row = r?.series?.[0]?.values[0];
      return row ? Number(row[0]) : undefined;
    },
    async readSnapshot(midnight, sites) {
      if (sites !== 'all' && sites.length === 0) return new Map();
      const [r] = await conn.query([`SELECT * FROM "${ROLLUP_RP}"."status_snapshot" WHERE time = ${midnight}ms${siteFilter(sites)}`]);
      const wanted = sites === 'all' ? undefined : new Set(sites);
      const out: SiteStates = new Map();
      for (const get of rowsOf(r?.series?.[0])) {
        const site = String(get('site'));
        if (wanted && !wanted.has(site)) continue;
        let devices = out.get(site);
        if (!devices) out.set(site, devices = new Map());
        for (const [device, state] of Object.entries(JSON.parse(String(get('devices'))) as Record<string, DeviceState>)) devices.set(device, state);
      }
      return out;
    },
    async writeSnapshot(midnight, states) {
      const lines: string[] = [];
      for (const [site, devices] of states) {
        let part: string[] = [];
        let size = 0;
        let n = 0;
        const flushPart = () => {
          lines.push(line(`status_snapshot,part=${n++},site=${escapeKey(site)}`, { devices: `{${part.join(',')}}` }, midnight, { devices: 'string' })!);
          part = [];
          size = 0;
        };
        for (const [device, state] of devices) {
          const entry = `${JSON.stringify(device)}:${JSON.stringify(state)}`;
          if (size + entry.length > PART_CHARS && part.length > 0) flushPart();
          part.push(entry);
          size += entry.length + 1;
        }
        if (part.length > 0) flushPart();
      }
      lines.push(`status_snapshot_day n=1 ${midnight}`);
      await conn.post(lines, ROLLUP_RP);
    },
    async statusRows(sites, from, to) {
      const [r] = await conn.query([`SELECT * FROM "device_status" WHERE time >= ${from}ms AND time <= ${to}ms${siteFilter(sites)}`]);
      const wanted = sites === 'all' ? undefined : new Set(sites);
      const out: StatusRow[] = [];
      for (const get of rowsOf(r?.series?.[0])) {
        const site = String(get('site'));
        if (wanted && !wanted.has(site)) continue;
        const device = String(get('device'));
        const ts = Number(get('time'));
        for (const field in STATUS_KINDS) {
          const v = get(field);
          if (v !== null && v !== undefined) out.push([site, device, field, ts, cast(v, STATUS_KINDS[field]!)]);
        }
      }
      return out;
    },
  };
}
