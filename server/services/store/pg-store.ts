import pg from 'pg';
import { ConfigError } from '../../../contract/cli.ts';
import { PgAlarmTimerStore } from './pg-alarm-timers.ts';
import { PgAlarmStore } from './pg-alarms.ts';
import { PgAuditStore } from './pg-audit.ts';
import { PgEventStore } from './pg-events.ts';
import { PgGatewayStore } from './pg-gateways.ts';
import { PgIdentityStore } from './pg-identity.ts';
import { migratePg } from './pg-migrations.ts';
import { PgRegistryStore } from './pg-registry.ts';
import { PG_MIGRATIONS } from './pg-schema.ts';
import { PG_TYPES, PgSql } from './pg-sql.ts';
import { SerialQueue } from './serial-queue.ts';
import type { ServerStore, Tx } from './types.ts';

/** Any fixed number, the same in every replica: the advisory lock write units take. */
export const WRITE_LOCK = 0x63770002;

export interface PgStoreOptions {
  /** Connections per replica (reads run side by side; writes take one at a time). Default 10. */
  maxConnections?: number;
  /**
   * A unit of work idle this long inside its transaction is ended by PostgreSQL, releasing the
   * write lock and the timers it claimed: a replica that hangs (not dies) holds nothing longer.
   * Default 30 s.
   */
  stalledUnitMs?: number;
  /** Errors of idle pooled connections (a database restart): logged, never thrown. */
  onIdleError?: (error: Error) => void;
}

export class StoreUnitError extends Error {
  readonly code = 'STORE_UNIT';
}

function storesOf(sql: PgSql): Tx {
  return {
    events: new PgEventStore(sql),
    alarms: new PgAlarmStore(sql),
    gateways: new PgGatewayStore(sql),
    audit: new PgAuditStore(sql),
    registry: new PgRegistryStore(sql),
    identity: new PgIdentityStore(sql),
    timers: new PgAlarmTimerStore(sql),
  };
}

/**
 * The server store on PostgreSQL 15 (issue 22), for several replicas on one database.
 *
 * Write units are serialised across every replica by one transaction-scoped advisory lock, as the
 * embedded store serialises them in one process (types.ts: "Writers are serialised"). That is
 * what the audit chain (each record hashes the one before), ordered change ids (a console resumes
 * on any replica with Last-Event-ID and misses nothing) and "each escalation step once" need; the
 * replicas share the rest — HTTP, validation, scope, reads (snapshots, side by side), streams.
 * Commits are durable before `write` resolves (synchronous_commit=on, PostgreSQL's default).
 */
export async function openPgStore(url: string, options: PgStoreOptions = {}): Promise<ServerStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types: PG_TYPES,
    keepAlive: true,
    idle_in_transaction_session_timeout: options.stalledUnitMs ?? 30_000,
    application_name: 'carewatch-server',
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  const first = await pool.connect().catch(async (error: unknown) => {
    await pool.end().catch(() => {});
    // One line for the operator (contract/cli.ts): where it tried and why it failed.
    throw new ConfigError(`cannot connect to the PostgreSQL store: ${(error as Error).message}`);
  });
  try {
    await migratePg(first, PG_MIGRATIONS);
  } catch (error) {
    first.release();
    await pool.end().catch(() => {});
    throw error;
  }
  first.release();

  const unit = async <T>(begin: string, work: (tx: Tx) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query(begin);
      const result = await work(storesOf(new PgSql(client)));
      const commit = await client.query('COMMIT');
      // A statement that failed inside `work`, caught there, leaves the transaction aborted:
      // PostgreSQL then answers COMMIT with ROLLBACK. Nothing was written: say so.
      if (commit.command === 'ROLLBACK') throw new StoreUnitError('the unit of work was rolled back: one of its statements failed');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => { broken = true; });
      throw error;
    } finally {
      client.release(broken);
    }
  };
  const writes = new SerialQueue();
  let closed = false;
  return {
    kind: 'postgres',
    write: (work) => writes.run(() => unit(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`, work)),
    read: (work) => unit('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work),
    close: async () => {
      if (closed) return;
      closed = true;
      await writes.run(async () => undefined);
      await pool.end();
    },
  };
}
