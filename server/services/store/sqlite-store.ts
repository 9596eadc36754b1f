import Database from 'better-sqlite3';
import { ESCALATION_MIGRATIONS, SqliteAlarmTimerStore } from './sqlite-alarm-timers.ts';
import { privateDbFile } from '../../../contract/private-files.ts';
import { SqliteAlarmStore } from './sqlite-alarms.ts';
import { AUDIT_MIGRATIONS, SqliteAuditStore } from './sqlite-audit.ts';
import { SqliteEventStore } from './sqlite-events.ts';
import { SqliteGatewayStore } from './sqlite-gateways.ts';
import { SqliteIdentityStore } from './sqlite-identity.ts';
import { IDENTITY_MIGRATIONS } from './sqlite-identity-schema.ts';
import { migrate } from './sqlite-migrations.ts';
import { SqliteRegistryStore } from './sqlite-registry.ts';
import { SerialQueue } from './serial-queue.ts';
import type { SqliteMigration } from './sqlite-migrations.ts';
import { CORE_MIGRATIONS } from './sqlite-schema.ts';
import type { ServerStore, Tx } from './types.ts';

export const SERVER_DB_FILE = 'server.db';

/** Every area's schema steps, in the order they apply. */
const MIGRATIONS: readonly SqliteMigration[] = [...CORE_MIGRATIONS, ...AUDIT_MIGRATIONS, ...IDENTITY_MIGRATIONS, ...ESCALATION_MIGRATIONS];

interface ConnectionStores {
  tx: Tx;
  /** Forgets what the stores carried from the last unit of work (the audit chain's head, alarms' texts, pending device views). */
  startUnit(): void;
  /** Writes what the stores held back for the end of the unit (device views), before it commits. */
  endUnit(): void;
}

/** The stores of one connection; a unit of work hands them to its callback. */
function storesOf(db: Database.Database): ConnectionStores {
  const audit = new SqliteAuditStore(db);
  const alarms = new SqliteAlarmStore(db);
  const events = new SqliteEventStore(db);
  const tx: Tx = {
    events,
    alarms,
    gateways: new SqliteGatewayStore(db),
    audit,
    registry: new SqliteRegistryStore(db),
    identity: new SqliteIdentityStore(db),
    timers: new SqliteAlarmTimerStore(db),
  };
  return {
    tx,
    startUnit: () => {
      audit.startUnit();
      alarms.startUnit();
      events.startUnit();
    },
    endUnit: () => events.endUnit(),
  };
}

/**
 * Opens `{dataDir}/server.db`, the embedded store. WAL with synchronous=FULL: every commit is
 * fsynced before the promise of `write` resolves, so an event acknowledged to a gateway survives a
 * power cut (CONTRACT.md "Gateway → server": acknowledged means durably stored).
 *
 * Two connections: writes go through one, serialised; reads through a read-only other, so a
 * console's list never waits behind an ingest and never sees a write that has not committed.
 */
export function openSqliteStore(dataDir: string): ServerStore {
  // Folder 0700, server.db* 0600 (issue 16): sessions, audit and residents' data live here.
  const file = privateDbFile(dataDir, SERVER_DB_FILE);
  const writer = new Database(file);
  let reader: Database.Database | undefined;
  try {
    writer.pragma('journal_mode = WAL');
    writer.pragma('synchronous = FULL');
    writer.pragma('busy_timeout = 5000');
    migrate(writer, MIGRATIONS);
    reader = new Database(file, { readonly: true });
    reader.pragma('busy_timeout = 5000');
  } catch (error) {
    reader?.close();
    writer.close();
    throw error;
  }
  const readConnection = reader;
  const writeStores = storesOf(writer);
  const readStores = storesOf(readConnection);
  const writes = new SerialQueue();
  const reads = new SerialQueue();
  const unit = async <T>(db: Database.Database, begin: string, stores: ConnectionStores, work: (tx: Tx) => Promise<T>): Promise<T> => {
    db.exec(begin);
    stores.startUnit();
    try {
      const result = await work(stores.tx);
      stores.endUnit();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };
  let closed = false;
  return {
    kind: 'sqlite',
    // IMMEDIATE takes the write lock up front, so a second process never deadlocks an upgrade.
    write: (work) => writes.run(() => unit(writer, 'BEGIN IMMEDIATE', writeStores, work)),
    // DEFERRED on the read-only connection: one WAL snapshot, no lock on writers.
    read: (work) => reads.run(() => unit(readConnection, 'BEGIN DEFERRED', readStores, work)),
    close: async () => {
      if (closed) return;
      closed = true;
      // Let units already queued finish before the connections go.
      await Promise.all([writes.run(async () => undefined), reads.run(async () => undefined)]);
      readConnection.close();
      writer.close();
    },
  };
}
