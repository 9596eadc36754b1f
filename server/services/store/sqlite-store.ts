import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteAlarmStore } from './sqlite-alarms.ts';
import { SqliteEventStore } from './sqlite-events.ts';
import { SqliteGatewayStore } from './sqlite-gateways.ts';
import { migrate } from './sqlite-schema.ts';
import type { ServerStore } from './types.ts';

export const SERVER_DB_FILE = 'server.db';

/**
 * Opens `{dataDir}/server.db`. WAL with synchronous=FULL: every commit is fsynced before the
 * ingest answer leaves, so an event acknowledged to a gateway survives a power cut
 * (CONTRACT.md "Gateway → server": acknowledged means durably stored).
 */
export function openSqliteStore(dataDir: string): ServerStore {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, SERVER_DB_FILE));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const events = new SqliteEventStore(db);
  const alarms = new SqliteAlarmStore(db);
  const gateways = new SqliteGatewayStore(db);
  return {
    events,
    alarms,
    gateways,
    // IMMEDIATE takes the write lock up front, so a second process never deadlocks an upgrade.
    atomically: <T>(work: () => T): T => db.transaction(work).immediate(),
    // DEFERRED: a read transaction, one WAL snapshot, no write lock.
    snapshot: <T>(read: () => T): T => db.transaction(read).deferred(),
    close: () => {
      if (db.open) db.close();
    },
  };
}
