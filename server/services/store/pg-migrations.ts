import type pg from 'pg';
import { SchemaError } from './sqlite-migrations.ts';

/** One named step of the PostgreSQL schema (names as in sqlite-migrations.ts: areas never collide). */
export interface PgMigration {
  id: string;
  up: string;
}

/** Any fixed number: the advisory lock that makes replicas starting together apply each step once. */
const MIGRATION_LOCK = 0x63770001;

/**
 * Applies every step not yet applied, in one transaction under an advisory lock: a second replica
 * starting at the same time waits, then finds the steps applied. A database holding a step this
 * server does not know was written by a newer server: refuse it, as the embedded store does.
 */
export async function migratePg(client: pg.ClientBase, steps: readonly PgMigration[]): Promise<void> {
  const ids = new Set(steps.map((s) => s.id));
  if (ids.size !== steps.length) throw new SchemaError('duplicate migration id');
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at bigint NOT NULL)');
    const applied = new Set((await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
    const unknown = [...applied].filter((id) => !ids.has(id));
    if (unknown.length > 0) {
      throw new SchemaError(`the database holds schema steps this server does not know (${unknown.join(', ')}): it was written by a newer server`);
    }
    for (const step of steps) {
      if (applied.has(step.id)) continue;
      await client.query(step.up);
      await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [step.id, Date.now()]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
