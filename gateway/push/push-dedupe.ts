import type Database from 'better-sqlite3';

export interface PushDedupeOptions {
  clock?: () => number;
  /** How long an id is kept (default 48 h; platforms give up retrying within hours). */
  retentionMs?: number;
  /** Prune every this many `remember`s (default 1000), so no timer is needed. */
  pruneEvery?: number;
}

/**
 * Message ids of platform pushes already turned into readings, in the gateway's SQLite, so a
 * push the platform retries — because our 200 was lost, or it timed out — is stored once, also
 * across a gateway restart. The route remembers an id right after `runtime.push` returned, in the
 * same synchronous step: a crash between the two can only let a retry through once more (a
 * duplicate reading, which the rules absorb), never lose one.
 */
export class PushDedupe {
  private readonly clock: () => number;
  private readonly retentionMs: number;
  private readonly pruneEvery: number;
  private sincePrune = 0;
  private readonly select: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly deleteOld: Database.Statement;

  constructor(db: Database.Database, opts: PushDedupeOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.retentionMs = opts.retentionMs ?? 48 * 3600_000;
    this.pruneEvery = opts.pruneEvery ?? 1000;
    db.exec(`
      CREATE TABLE IF NOT EXISTS push_seen (
        platform TEXT NOT NULL,
        message_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (platform, message_id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS push_seen_at ON push_seen (at);
    `);
    this.select = db.prepare('SELECT 1 FROM push_seen WHERE platform = ? AND message_id = ?');
    this.insert = db.prepare('INSERT OR IGNORE INTO push_seen (platform, message_id, at) VALUES (?, ?, ?)');
    this.deleteOld = db.prepare('DELETE FROM push_seen WHERE at < ?');
  }

  seen(platform: string, messageId: string): boolean {
    return this.select.get(platform, messageId) !== undefined;
  }

  remember(platform: string, messageId: string): void {
    this.insert.run(platform, messageId, this.clock());
    if (++this.sincePrune >= this.pruneEvery) this.prune(this.retentionMs);
  }

  /** Forgets ids remembered more than `olderThanMs` ago; returns how many. */
  prune(olderThanMs: number): number {
    this.sincePrune = 0;
    return this.deleteOld.run(this.clock() - olderThanMs).changes;
  }
}
