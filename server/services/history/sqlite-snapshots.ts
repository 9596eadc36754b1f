import type Database from 'better-sqlite3';
import { STATUS_FIELD_KINDS } from '../../../contract/index.ts';
import type { FieldKind, FieldValue } from '../../../contract/index.ts';
import type { DeviceState, SiteStates, SnapshotBackend, StatusRow } from './status-snapshots.ts';

const SCHEMA = `
  -- A site's devices' status at a midnight (UTC): JSON { device: { field: [value, ts] } }.
  CREATE TABLE IF NOT EXISTS status_snapshot (
    midnight INTEGER NOT NULL,
    site TEXT NOT NULL,
    devices TEXT NOT NULL,
    PRIMARY KEY (midnight, site)
  ) WITHOUT ROWID;
`;

/** The embedded store's daily status snapshots (status-snapshots.ts), in `history.db`. */
export function sqliteSnapshotBackend(db: Database.Database): SnapshotBackend {
  db.exec(SCHEMA);
  const newest = db.prepare('SELECT max(midnight) FROM status_snapshot WHERE midnight <= ?').pluck();
  const readAll = db.prepare('SELECT site, devices FROM status_snapshot WHERE midnight = ?').raw();
  const readSites = db.prepare('SELECT site, devices FROM status_snapshot WHERE midnight = ? AND site IN (SELECT value FROM json_each(?))').raw();
  const write = db.prepare('INSERT OR REPLACE INTO status_snapshot (midnight, site, devices) VALUES (?, ?, ?)');
  const writeAll = db.transaction((midnight: number, states: SiteStates) => {
    for (const [site, devices] of states) write.run(midnight, site, JSON.stringify(Object.fromEntries(devices)));
  });
  const rows = (siteFilter: string) => db.prepare(`
    SELECT s.site, s.device, s.field, p.ts, p.value FROM series AS s
    JOIN points AS p ON p.series = s.id AND p.ts >= @from AND p.ts <= @to
    WHERE s.measurement = 'device_status'${siteFilter}`).raw();
  const rowsOfSites = rows(' AND s.site IN (SELECT value FROM json_each(@sites))');
  const rowsOfAll = rows('');
  return {
    async newestSnapshot(t) {
      return (newest.get(t) as number | null) ?? undefined;
    },
    async readSnapshot(midnight, sites) {
      const found = (sites === 'all' ? readAll.all(midnight) : readSites.all(midnight, JSON.stringify(sites))) as Array<[string, string]>;
      return new Map(found.map(([site, json]) => [site, new Map(Object.entries(JSON.parse(json) as Record<string, DeviceState>))]));
    },
    async writeSnapshot(midnight, states) {
      writeAll(midnight, states);
    },
    async statusRows(sites, from, to) {
      const found = (sites === 'all' ? rowsOfAll.all({ from, to }) : rowsOfSites.all({ from, to, sites: JSON.stringify(sites) })) as Array<[string, string, string, number, unknown]>;
      return found.map(([site, device, field, ts, value]): StatusRow => [site, device, field, ts, statusValue(field, value)]);
    },
  };
}

function statusValue(field: string, value: unknown): FieldValue {
  const kind = (STATUS_FIELD_KINDS as Record<string, FieldKind>)[field] ?? 'number';
  if (kind === 'boolean') return value === 1 || value === true;
  return kind === 'string' ? String(value) : Number(value);
}
