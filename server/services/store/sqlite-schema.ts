import type { Database } from 'better-sqlite3';

import type { SqliteMigration } from './sqlite-migrations.ts';

/**
 * Tables of the alarm core. `events` and `alarm_changes` are append-only histories; `alarms`,
 * `alarm_keys`, `devices` and `gateways` hold current state, rebuilt from nothing but themselves
 * after a restart. Add a migration (never edit one that shipped) when a table changes.
 */
const V1 = `
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  device_id TEXT,
  ts INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  gateway_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX events_site_ts ON events (site_id, ts);
CREATE INDEX events_device_ts ON events (site_id, device_id, ts) WHERE device_id IS NOT NULL;

CREATE TABLE devices (
  site_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  room_id TEXT,
  resident_id TEXT,
  last_seen INTEGER NOT NULL,
  last_kind TEXT NOT NULL,
  PRIMARY KEY (site_id, device_id)
) WITHOUT ROWID;

CREATE TABLE alarms (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  raised_at TEXT NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
-- At most one open alarm per key (DESIGN.md: alarms are keyed by site, source, kind).
CREATE UNIQUE INDEX alarms_open_key ON alarms (site_id, subject, kind) WHERE status != 'resolved';
CREATE INDEX alarms_raised ON alarms (raised_at);
CREATE INDEX alarms_site_raised ON alarms (site_id, raised_at);
CREATE INDEX alarms_status ON alarms (status);

CREATE TABLE alarm_keys (
  site_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  kind TEXT NOT NULL,
  last_seq INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  last_action TEXT NOT NULL,
  PRIMARY KEY (site_id, subject, kind)
) WITHOUT ROWID;

-- AUTOINCREMENT: a change id is never reused, even after old rows are pruned, so a console's
-- Last-Event-ID always means the same point in the history.
CREATE TABLE alarm_changes (
  change_id INTEGER PRIMARY KEY AUTOINCREMENT,
  alarm_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  change TEXT NOT NULL,
  at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX alarm_changes_alarm ON alarm_changes (alarm_id);

CREATE TABLE gateways (
  gateway_id TEXT PRIMARY KEY,
  site_ids TEXT NOT NULL,
  last_heartbeat_at INTEGER NOT NULL,
  outbox_depth INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  offline INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`;

/** v2: a gateway's site list is named by its digest, so a heartbeat need not repeat 10,000 ids. */
const V2 = `ALTER TABLE gateways ADD COLUMN sites_digest TEXT NOT NULL DEFAULT '';`;

/**
 * v3: the open alarms in list order, for the console's first fetch (open only, newest first):
 * with 100,000 stored and 1,000 open it reads 1,000 index entries instead of walking all
 * (issue 18: list p99 < 50 ms). The planner uses it when a query says `status != 'resolved'`
 * literally (sqlite-alarms.ts `listStatement`).
 */
const V3 = `CREATE INDEX IF NOT EXISTS alarms_open_raised ON alarms (raised_at, id) WHERE status != 'resolved';`;

/**
 * v4: indexes no query reads, written on every event and every alarm change (issue 18's ingest
 * goal): events by site and time, by device and time, and changes by alarm. The stream replays
 * changes by change id (the primary key); device state lives in `devices`; the history of
 * readings and status is the history store's. A query that needs one adds it back with itself.
 */
const V4 = `DROP INDEX IF EXISTS events_site_ts; DROP INDEX IF EXISTS events_device_ts; DROP INDEX IF EXISTS alarm_changes_alarm;`;

/**
 * v5: events and alarms become rowid tables (issue 18's ingest goal). WITHOUT ROWID keeps each
 * whole row in its primary-key b-tree, in key order: rows of several hundred bytes (the JSON
 * body) inserted at random ids split pages all over the file, and every commit wrote (and fsynced)
 * them. SQLite's own advice is WITHOUT ROWID for rows under ~1/20 of a page only. Now rows are
 * appended in arrival order and the ids live in small unique indexes. The list indexes end in
 * `id`, the list's tie-break, so newest-first pages need no sort.
 */
const V5 = `
CREATE TABLE events_v5 (
  id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  device_id TEXT,
  ts INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  gateway_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL
);
INSERT INTO events_v5 (id, site_id, kind, action, subject, device_id, ts, seq, gateway_id, received_at, body)
  SELECT id, site_id, kind, action, subject, device_id, ts, seq, gateway_id, received_at, body FROM events ORDER BY received_at, id;
DROP TABLE events;
ALTER TABLE events_v5 RENAME TO events;
CREATE UNIQUE INDEX events_id ON events (id);

CREATE TABLE alarms_v5 (
  id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  raised_at TEXT NOT NULL,
  body TEXT NOT NULL
);
INSERT INTO alarms_v5 (id, site_id, subject, kind, status, raised_at, body)
  SELECT id, site_id, subject, kind, status, raised_at, body FROM alarms ORDER BY raised_at, id;
DROP TABLE alarms;
ALTER TABLE alarms_v5 RENAME TO alarms;
CREATE UNIQUE INDEX alarms_id ON alarms (id);
CREATE UNIQUE INDEX alarms_open_key ON alarms (site_id, subject, kind) WHERE status != 'resolved';
CREATE INDEX alarms_raised ON alarms (raised_at, id);
CREATE INDEX alarms_site_raised ON alarms (site_id, raised_at, id);
CREATE INDEX alarms_status ON alarms (status);
CREATE INDEX alarms_open_raised ON alarms (raised_at, id) WHERE status != 'resolved';
`;

/** `core-1` and `core-2` were `user_version` 1 and 2 before migrations had names. */
export const CORE_MIGRATIONS: readonly SqliteMigration[] = [
  { id: 'core-1', up: V1, userVersion: 1 },
  { id: 'core-2', up: V2, userVersion: 2 },
  { id: 'core-3', up: V3 },
  { id: 'core-4', up: V4 },
  { id: 'core-5', up: V5 },
];
