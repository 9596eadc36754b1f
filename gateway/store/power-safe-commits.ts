import type Database from 'better-sqlite3';
import type { Durability } from './open-gateway-db.ts';

/**
 * Makes the commits that carry an alarm power-safe under the `alarms` durability (issue 15,
 * defect 4): the device was acknowledged, so a power cut must not take the alarm back.
 *
 * SQLite refuses to change `synchronous` inside a transaction, so:
 * - an append that is its own transaction (a timer-raised alarm) commits with `synchronous=FULL`;
 * - an append inside the caller's transaction (a reading's rule state and events, one commit) marks
 *   the commit; once the caller committed it calls `afterOuterCommit`, which commits one tiny row
 *   with `FULL`. In WAL mode a FULL commit fsyncs the WAL file, and with it every frame before it —
 *   the alarm's commit included (sqlite.org/pragma.html#pragma_synchronous, sqlite.org/wal.html).
 * Telemetry-only commits stay at NORMAL: they survive kill -9, and a power cut may lose the last ones.
 */
export class PowerSafeCommits {
  private pending = false;
  private readonly touch: Database.Statement | undefined;

  constructor(private readonly db: Database.Database, private readonly durability: Durability) {
    if (durability !== 'alarms') return;
    db.exec('CREATE TABLE IF NOT EXISTS commit_barrier (k INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT OR IGNORE INTO commit_barrier VALUES (1, 0);');
    this.touch = db.prepare('UPDATE commit_barrier SET n = n + 1 WHERE k = 1');
  }

  /** Runs `write`, made power-safe when it carries an alarm (now, or by `afterOuterCommit`). */
  commit<T>(alarm: boolean, write: () => T): T {
    if (!this.touch || !alarm) return write();
    if (this.db.inTransaction) {
      const result = write();
      this.pending = true;
      return result;
    }
    return this.full(write);
  }

  /** The caller's transaction committed (or rolled back): make it power-safe if it carried an alarm. */
  afterOuterCommit(): void {
    if (!this.touch || !this.pending || this.db.inTransaction) return;
    this.pending = false;
    this.full(() => this.touch!.run());
  }

  private full<T>(write: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      const result = write();
      this.pending = false; // this fsync covered every frame before it too
      return result;
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }
}
