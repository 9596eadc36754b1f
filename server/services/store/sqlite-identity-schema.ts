import type { SqliteMigration } from './sqlite-migrations.ts';

/**
 * Tables of the region tree, the site registry, accounts and sessions (issue 17). Site documents
 * are stored sealed (AES-256-GCM, by the service): no column here holds a resident's name, a
 * phone number or a device's free-text name.
 */
const IDENTITY_1 = `
CREATE TABLE regions (
  id TEXT PRIMARY KEY,
  parent_id TEXT,
  level TEXT NOT NULL,
  name TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sites (
  site_id TEXT PRIMARY KEY,
  region_id TEXT NOT NULL,
  gateway_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sealed_document TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sites_gateway ON sites (gateway_id);
CREATE INDEX sites_region ON sites (region_id);

CREATE TABLE site_devices (
  site_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  profile TEXT NOT NULL,
  transport TEXT NOT NULL,
  room_id TEXT,
  resident_id TEXT,
  address_key TEXT,
  PRIMARY KEY (site_id, device_id)
) WITHOUT ROWID;
CREATE INDEX site_devices_address ON site_devices (address_key) WHERE address_key IS NOT NULL;
CREATE INDEX site_devices_id ON site_devices (device_id);

-- MQTT usernames are unique across the installation: a gateway's broker serves many sites.
CREATE TABLE device_credentials (
  username TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  subject TEXT NOT NULL,
  issued_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX device_credentials_site ON device_credentials (site_id);

CREATE TABLE provisioning_version (one INTEGER PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL);
INSERT INTO provisioning_version (one, version) VALUES (1, 0);

-- Newest change per (gateway, site): what a gateway pulls after the version it has.
CREATE TABLE config_changes (
  gateway_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (gateway_id, site_id)
) WITHOUT ROWID;
CREATE INDEX config_changes_version ON config_changes (gateway_id, version);

CREATE TABLE users (
  username TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  grant_json TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE machines (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  role TEXT NOT NULL,
  grant_json TEXT NOT NULL,
  region_id TEXT,
  token_lookup TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
  token_lookup TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  from_address TEXT
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (username);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE signin_failures (key TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX signin_failures_key ON signin_failures (key, at);
CREATE TABLE signin_lockouts (key TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID;
`;

export const IDENTITY_MIGRATIONS: readonly SqliteMigration[] = [{ id: 'identity-1', up: IDENTITY_1 }];
