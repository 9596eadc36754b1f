import type Database from 'better-sqlite3';

/**
 * The outbox table, and the columns parking added (issue 15, defect 1) to a file an older
 * gateway wrote: a gateway upgraded with events waiting keeps them, in their order.
 */
export function migrateOutbox(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS outbox (
      n INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      lane INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS subject_seq (
      key TEXT PRIMARY KEY,
      seq INTEGER NOT NULL
    ) WITHOUT ROWID;
  `);
  const columns = new Set((db.prepare('PRAGMA table_info(outbox)').all() as { name: string }[]).map((c) => c.name));
  db.transaction(() => {
    if (!columns.has('parked_at')) db.exec('ALTER TABLE outbox ADD COLUMN parked_at INTEGER');
    if (!columns.has('refusal_code')) db.exec('ALTER TABLE outbox ADD COLUMN refusal_code TEXT');
    if (!columns.has('refusal_reason')) db.exec('ALTER TABLE outbox ADD COLUMN refusal_reason TEXT');
    if (!columns.has('refusals')) db.exec('ALTER TABLE outbox ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0');
    db.exec(`
      DROP INDEX IF EXISTS outbox_lane;
      CREATE INDEX IF NOT EXISTS outbox_ready ON outbox (lane, n) WHERE parked_at IS NULL;
      CREATE INDEX IF NOT EXISTS outbox_parked ON outbox (n) WHERE parked_at IS NOT NULL;
      CREATE INDEX IF NOT EXISTS outbox_refused ON outbox (n) WHERE refusals > 0;
    `);
  })();
}
