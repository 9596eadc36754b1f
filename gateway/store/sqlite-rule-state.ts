import type Database from 'better-sqlite3';
import type { RuleStateStore } from '../core/rule-state.ts';

/** Rule state of one site in the gateway database; see core/rule-state.ts for what goes here. */
export class SqliteRuleState implements RuleStateStore {
  private readonly getStmt: Database.Statement;
  private readonly setStmt: Database.Statement;
  private readonly delStmt: Database.Statement;
  private readonly prefixStmt: Database.Statement;

  constructor(db: Database.Database, private readonly siteId: string) {
    db.exec(`CREATE TABLE IF NOT EXISTS rule_state (
      site TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (site, key)
    ) WITHOUT ROWID`);
    this.getStmt = db.prepare('SELECT value FROM rule_state WHERE site = ? AND key = ?');
    this.setStmt = db.prepare('INSERT INTO rule_state (site, key, value) VALUES (?, ?, ?) ON CONFLICT (site, key) DO UPDATE SET value = excluded.value');
    this.delStmt = db.prepare('DELETE FROM rule_state WHERE site = ? AND key = ?');
    this.prefixStmt = db.prepare('SELECT key, value FROM rule_state WHERE site = ? AND key >= ? AND key < ?');
  }

  get<T>(key: string): T | undefined {
    const row = this.getStmt.get(this.siteId, key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  set(key: string, value: unknown): void {
    this.setStmt.run(this.siteId, key, JSON.stringify(value));
  }

  delete(key: string): void {
    this.delStmt.run(this.siteId, key);
  }

  entries<T>(prefix: string): Array<[string, T]> {
    // Range scan on the primary key: every key starting with `prefix` sorts in [prefix, prefix + U+FFFF).
    const rows = this.prefixStmt.all(this.siteId, prefix, `${prefix}\uffff`) as { key: string; value: string }[];
    return rows.map((r) => [r.key, JSON.parse(r.value) as T]);
  }

  /** Forget a removed site's state. */
  static dropSite(db: Database.Database, siteId: string): void {
    db.prepare('DELETE FROM rule_state WHERE site = ?').run(siteId);
  }
}
