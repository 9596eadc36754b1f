import type { PgMigration } from './pg-migrations.ts';

/**
 * The PostgreSQL tables: the embedded store's (sqlite-schema.ts, sqlite-audit.ts,
 * sqlite-identity-schema.ts, sqlite-alarm-timers.ts) in PostgreSQL's types. Keys that lists page
 * or sort on are `COLLATE "C"`: byte order, as in SQLite, whatever the database's locale.
 * Add a step (never edit one that shipped) when a table changes, in both stores.
 */
const CORE_1 = `
CREATE TABLE events (
  id text COLLATE "C" PRIMARY KEY,
  site_id text NOT NULL,
  kind text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  device_id text,
  ts bigint NOT NULL,
  seq bigint NOT NULL,
  gateway_id text NOT NULL,
  received_at bigint NOT NULL,
  body text NOT NULL
);
CREATE INDEX events_site_ts ON events (site_id, ts);
CREATE INDEX events_device_ts ON events (site_id, device_id, ts) WHERE device_id IS NOT NULL;

CREATE TABLE devices (
  site_id text NOT NULL,
  device_id text COLLATE "C" NOT NULL,
  room_id text,
  resident_id text,
  last_seen bigint NOT NULL,
  last_kind text NOT NULL,
  PRIMARY KEY (site_id, device_id)
);

CREATE TABLE alarms (
  id text COLLATE "C" PRIMARY KEY,
  site_id text NOT NULL,
  subject text NOT NULL,
  kind text COLLATE "C" NOT NULL,
  status text NOT NULL,
  raised_at text COLLATE "C" NOT NULL,
  body text NOT NULL
);
-- At most one open alarm per key (DESIGN.md: alarms are keyed by site, source, kind).
CREATE UNIQUE INDEX alarms_open_key ON alarms (site_id, subject, kind) WHERE status <> 'resolved';
CREATE INDEX alarms_raised ON alarms (raised_at, id);
CREATE INDEX alarms_site_raised ON alarms (site_id, raised_at);
CREATE INDEX alarms_status ON alarms (status);

CREATE TABLE alarm_keys (
  site_id text NOT NULL,
  subject text NOT NULL,
  kind text NOT NULL,
  last_seq bigint NOT NULL,
  last_ts bigint NOT NULL,
  last_action text NOT NULL,
  PRIMARY KEY (site_id, subject, kind)
);

-- A sequence: change ids are global across replicas and never reused (a rolled-back unit leaves
-- a gap, never a repeat). Writers hold the store's write lock until commit, so ids also commit in
-- order: a console resuming after id N on any replica misses nothing (issue 22).
CREATE TABLE alarm_changes (
  change_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alarm_id text NOT NULL,
  site_id text NOT NULL,
  change text NOT NULL,
  at bigint NOT NULL,
  body text NOT NULL
);
CREATE INDEX alarm_changes_alarm ON alarm_changes (alarm_id);

CREATE TABLE gateways (
  gateway_id text COLLATE "C" PRIMARY KEY,
  site_ids text NOT NULL,
  sites_digest text NOT NULL DEFAULT '',
  last_heartbeat_at bigint NOT NULL,
  outbox_depth bigint NOT NULL,
  started_at bigint NOT NULL,
  offline boolean NOT NULL DEFAULT false
);
`;

const AUDIT_1 = `
CREATE TABLE audit (
  seq bigint PRIMARY KEY,
  at bigint NOT NULL,
  site_id text,
  alarm_id text,
  resident_id text,
  body text NOT NULL
);
CREATE INDEX audit_site_at ON audit (site_id, at);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_alarm ON audit (alarm_id) WHERE alarm_id IS NOT NULL;
CREATE INDEX audit_resident ON audit (resident_id) WHERE resident_id IS NOT NULL;
-- The last record pruned under the retention policy: where the kept chain starts.
CREATE TABLE audit_anchor (one integer PRIMARY KEY CHECK (one = 1), seq bigint NOT NULL, hash text NOT NULL);
`;

const IDENTITY_1 = `
CREATE TABLE regions (
  id text COLLATE "C" PRIMARY KEY,
  parent_id text,
  level text NOT NULL,
  name text NOT NULL
);

CREATE TABLE sites (
  site_id text COLLATE "C" PRIMARY KEY,
  region_id text NOT NULL,
  gateway_id text NOT NULL,
  kind text NOT NULL,
  version bigint NOT NULL,
  updated_at bigint NOT NULL,
  sealed_document text NOT NULL
);
CREATE INDEX sites_gateway ON sites (gateway_id);
CREATE INDEX sites_region ON sites (region_id);

CREATE TABLE site_devices (
  site_id text COLLATE "C" NOT NULL,
  device_id text COLLATE "C" NOT NULL,
  profile text NOT NULL,
  transport text NOT NULL,
  room_id text,
  resident_id text,
  address_key text,
  PRIMARY KEY (site_id, device_id)
);
CREATE INDEX site_devices_address ON site_devices (address_key) WHERE address_key IS NOT NULL;
CREATE INDEX site_devices_id ON site_devices (device_id);

-- MQTT usernames are unique across the installation: a gateway's broker serves many sites.
CREATE TABLE device_credentials (
  username text COLLATE "C" PRIMARY KEY,
  site_id text NOT NULL,
  secret_hash text NOT NULL,
  role text NOT NULL,
  subject text NOT NULL,
  issued_at bigint NOT NULL
);
CREATE INDEX device_credentials_site ON device_credentials (site_id);

CREATE TABLE provisioning_version (one integer PRIMARY KEY CHECK (one = 1), version bigint NOT NULL);
INSERT INTO provisioning_version (one, version) VALUES (1, 0);

CREATE TABLE config_changes (
  gateway_id text NOT NULL,
  site_id text COLLATE "C" NOT NULL,
  version bigint NOT NULL,
  PRIMARY KEY (gateway_id, site_id)
);
CREATE INDEX config_changes_version ON config_changes (gateway_id, version);

CREATE TABLE users (
  username text COLLATE "C" PRIMARY KEY,
  role text NOT NULL,
  grant_json text NOT NULL,
  password_hash text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE machines (
  name text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL,
  role text NOT NULL,
  grant_json text NOT NULL,
  region_id text,
  token_lookup text NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE sessions (
  token_lookup text PRIMARY KEY,
  username text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  from_address text
);
CREATE INDEX sessions_user ON sessions (username);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE signin_failures (key text NOT NULL, at bigint NOT NULL);
CREATE INDEX signin_failures_key ON signin_failures (key, at);
CREATE TABLE signin_lockouts (key text PRIMARY KEY, until bigint NOT NULL);
`;

const ESCALATION_1 = `
CREATE TABLE alarm_timers (
  id text COLLATE "C" PRIMARY KEY,
  alarm_id text NOT NULL,
  site_id text NOT NULL,
  kind text NOT NULL,
  due_at bigint NOT NULL,
  state text NOT NULL
);
CREATE INDEX alarm_timers_due ON alarm_timers (due_at, id);
CREATE INDEX alarm_timers_alarm ON alarm_timers (alarm_id);
`;

export const PG_MIGRATIONS: readonly PgMigration[] = [
  { id: 'core-1', up: CORE_1 },
  { id: 'audit-1', up: AUDIT_1 },
  { id: 'identity-1', up: IDENTITY_1 },
  { id: 'escalation-1', up: ESCALATION_1 },
];
