import type { Database, Statement } from 'better-sqlite3';
import type { AuditRecord, AuditRecordInput, AuditVerification } from '../../../contract/index.ts';
import { ChainVerifier, chainWithText } from '../audit/audit-chain.ts';
import type { AuditFilter, AuditStore } from './audit-store.ts';
import type { SqliteMigration } from './sqlite-migrations.ts';

export const AUDIT_MIGRATIONS: readonly SqliteMigration[] = [{
  id: 'audit-1',
  up: `
    CREATE TABLE audit (
      seq INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      site_id TEXT,
      alarm_id TEXT,
      resident_id TEXT,
      body TEXT NOT NULL
    );
    CREATE INDEX audit_site_at ON audit (site_id, at);
    CREATE INDEX audit_alarm ON audit (alarm_id) WHERE alarm_id IS NOT NULL;
    CREATE INDEX audit_resident ON audit (resident_id) WHERE resident_id IS NOT NULL;
    -- The last record pruned under the retention policy: where the kept chain starts.
    CREATE TABLE audit_anchor (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
  `,
}];

interface Row { seq: number; body: string }

const VERIFY_PAGE = 2000;

export class SqliteAuditStore implements AuditStore {
  private readonly last: Statement<[], Row>;
  private readonly insert: Statement;
  private readonly query: Statement<[Record<string, unknown>], Row>;
  private readonly page: Statement<[number, number], Row>;
  private readonly anchor: Statement<[], { seq: number; hash: string }>;
  private readonly lastBefore: Statement<[number], Row>;
  private readonly setAnchor: Statement;
  private readonly drop: Statement<[number]>;
  /**
   * The chain's head as this unit of work left it: read once per unit, then carried from append
   * to append, instead of reading and parsing the last record for each (one alarm-raising event
   * appends one record). Forgotten when a unit starts (`startUnit`): another process may have
   * appended in between, and a rolled-back unit's head was never written.
   */
  private head: { seq: number; hash: string } | null | undefined;

  constructor(db: Database) {
    this.last = db.prepare('SELECT seq, body FROM audit ORDER BY seq DESC LIMIT 1');
    this.insert = db.prepare('INSERT INTO audit (seq, at, site_id, alarm_id, resident_id, body) VALUES (@seq, @at, @siteId, @alarmId, @residentId, @body)');
    this.query = db.prepare(`SELECT seq, body FROM audit
      WHERE (@sites IS NULL OR site_id IN (SELECT value FROM json_each(@sites)))
        AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to)
        AND (@alarmId IS NULL OR alarm_id = @alarmId) AND (@residentId IS NULL OR resident_id = @residentId)
        AND seq > @afterSeq
      ORDER BY seq LIMIT @limit`);
    this.page = db.prepare('SELECT seq, body FROM audit WHERE seq > ? ORDER BY seq LIMIT ?');
    this.anchor = db.prepare('SELECT seq, hash FROM audit_anchor WHERE one = 1');
    this.lastBefore = db.prepare('SELECT seq, body FROM audit WHERE at < ? ORDER BY seq DESC LIMIT 1');
    this.setAnchor = db.prepare(`INSERT INTO audit_anchor (one, seq, hash) VALUES (1, @seq, @hash)
      ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`);
    this.drop = db.prepare('DELETE FROM audit WHERE seq <= ?');
  }

  /** The store calls this as each unit of work begins (under its write lock, for a writer). */
  startUnit(): void {
    this.head = undefined;
  }

  async append(input: AuditRecordInput): Promise<AuditRecord> {
    if (this.head === undefined) {
      const lastRow = this.last.get();
      const last = lastRow ? (JSON.parse(lastRow.body) as AuditRecord) : undefined;
      this.head = last ? { seq: last.seq, hash: last.hash } : this.anchor.get() ?? null;
    }
    const { record, text } = chainWithText(input, this.head);
    this.insert.run({ seq: record.seq, at: record.at, siteId: record.siteId, alarmId: record.alarmId, residentId: record.residentId, body: text });
    this.head = { seq: record.seq, hash: record.hash };
    return record;
  }

  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    return this.query.all({
      sites: filter.sites === 'all' ? null : JSON.stringify(filter.sites),
      from: filter.from ?? null,
      to: filter.to ?? null,
      alarmId: filter.alarmId ?? null,
      residentId: filter.residentId ?? null,
      afterSeq: filter.afterSeq ?? 0,
      limit: filter.limit,
    }).map((row) => JSON.parse(row.body) as AuditRecord);
  }

  async verify(): Promise<AuditVerification> {
    const verifier = new ChainVerifier(this.anchor.get() ?? null);
    let head: { seq: number; hash: string } | null = null;
    for (let after = 0; ;) {
      const rows = this.page.all(after, VERIFY_PAGE);
      for (const row of rows) {
        // The row's own column is the position; a body edited to claim another is caught too.
        const record = { ...(JSON.parse(row.body) as AuditRecord), seq: row.seq };
        if (!verifier.next(record)) break;
        head = { seq: record.seq, hash: record.hash };
      }
      if (verifier.broken || rows.length < VERIFY_PAGE) break;
      after = rows[rows.length - 1]!.seq;
    }
    return { ok: verifier.broken === null, checked: verifier.checked, head, firstBroken: verifier.broken };
  }

  async prune(before: number): Promise<number> {
    const lastDropped = this.lastBefore.get(before);
    if (!lastDropped) return 0;
    const record = JSON.parse(lastDropped.body) as AuditRecord;
    this.head = undefined;
    this.setAnchor.run({ seq: record.seq, hash: record.hash });
    return this.drop.run(record.seq).changes;
  }
}
