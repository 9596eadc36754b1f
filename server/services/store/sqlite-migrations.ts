import type { Database } from 'better-sqlite3';

/**
 * One named step of the embedded store's schema. Each area of the server keeps its own list
 * (core, identity, audit, history…) in its own file; `sqlite-store.ts` applies the lists in order.
 * Names, not one version number, so areas built side by side never collide on "v3".
 */
export interface SqliteMigration {
  /** Unique and never reused, e.g. `audit-1`. */
  id: string;
  up: string | ((db: Database) => void);
  /** The `user_version` this step stood for before steps had names (core-1, core-2 only). */
  userVersion?: number;
}

export class SchemaError extends Error {
  readonly code = 'SCHEMA';
}

/**
 * Applies every step not yet applied, in one IMMEDIATE transaction: a second process starting at
 * the same time waits for the first instead of applying a step twice. A database that holds a step
 * this server does not know was written by a newer server: refuse to touch it.
 */
export function migrate(db: Database, steps: readonly SqliteMigration[]): void {
  const ids = new Set(steps.map((s) => s.id));
  if (ids.size !== steps.length) throw new SchemaError('duplicate migration id');
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) WITHOUT ROWID');
    const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id));
    const legacy = db.pragma('user_version', { simple: true }) as number;
    const knownVersion = Math.max(0, ...steps.map((s) => s.userVersion ?? 0));
    if (applied.size === 0 && legacy > knownVersion) {
      throw new SchemaError(`server.db has schema version ${legacy}, newer than this server's ${knownVersion}`);
    }
    const unknown = [...applied].filter((id) => !ids.has(id));
    if (unknown.length > 0) {
      throw new SchemaError(`server.db holds schema steps this server does not know (${unknown.join(', ')}): it was written by a newer server`);
    }
    const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
    for (const step of steps) {
      if (applied.has(step.id)) continue;
      if (step.userVersion !== undefined && legacy >= step.userVersion) {
        record.run(step.id, Date.now());
        continue;
      }
      if (typeof step.up === 'string') db.exec(step.up);
      else step.up(db);
      record.run(step.id, Date.now());
    }
  }).immediate();
}
