import type { AuditRecord, AuditRecordInput, AuditVerification } from '../../../contract/index.ts';
import { ChainVerifier, chainWithText } from '../audit/audit-chain.ts';
import type { AuditFilter, AuditStore } from './audit-store.ts';
import type { PgSql } from './pg-sql.ts';

interface Row { seq: number; body: string }

const VERIFY_PAGE = 2000;

/**
 * sqlite-audit.ts in PostgreSQL. One chain across every replica: appends happen in write units,
 * which hold the store's write lock (pg-store.ts), so no two replicas chain to the same record.
 */
export class PgAuditStore implements AuditStore {
  /**
   * The chain's head as this unit left it: read once, then carried from append to append. Safe
   * because a store object lives for one unit of work only (pg-store.ts), under the write lock.
   */
  private head: { seq: number; hash: string } | null | undefined;

  constructor(private readonly sql: PgSql) {}

  async append(input: AuditRecordInput): Promise<AuditRecord> {
    if (this.head === undefined) {
      const last = await this.sql.one<Row>('audit_last', 'SELECT seq, body FROM audit ORDER BY seq DESC LIMIT 1');
      const record = last ? (JSON.parse(last.body) as AuditRecord) : undefined;
      this.head = record ? { seq: record.seq, hash: record.hash } : await this.anchor();
    }
    const { record, text } = chainWithText(input, this.head);
    await this.sql.run('audit_add', 'INSERT INTO audit (seq, at, site_id, alarm_id, resident_id, body) VALUES ($1, $2, $3, $4, $5, $6)',
      [record.seq, record.at, record.siteId, record.alarmId, record.residentId, text]);
    this.head = { seq: record.seq, hash: record.hash };
    return record;
  }

  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    const rows = await this.sql.rows<Row>('audit_list', `SELECT seq, body FROM audit
      WHERE ($1::text[] IS NULL OR site_id = ANY($1::text[]))
        AND ($2::bigint IS NULL OR at >= $2::bigint) AND ($3::bigint IS NULL OR at < $3::bigint)
        AND ($4::text IS NULL OR alarm_id = $4::text) AND ($5::text IS NULL OR resident_id = $5::text)
        AND seq > $6
      ORDER BY seq LIMIT $7`, [
      filter.sites === 'all' ? null : filter.sites, filter.from ?? null, filter.to ?? null,
      filter.alarmId ?? null, filter.residentId ?? null, filter.afterSeq ?? 0, filter.limit,
    ]);
    return rows.map((row) => JSON.parse(row.body) as AuditRecord);
  }

  async verify(): Promise<AuditVerification> {
    const verifier = new ChainVerifier((await this.anchor()) ?? null);
    let head: { seq: number; hash: string } | null = null;
    for (let after = 0; ;) {
      const rows = await this.sql.rows<Row>('audit_page', 'SELECT seq, body FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2', [after, VERIFY_PAGE]);
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
    const lastDropped = await this.sql.one<Row>('audit_last_before', 'SELECT seq, body FROM audit WHERE at < $1 ORDER BY seq DESC LIMIT 1', [before]);
    if (!lastDropped) return 0;
    const record = JSON.parse(lastDropped.body) as AuditRecord;
    await this.sql.run('audit_anchor_set', `INSERT INTO audit_anchor (one, seq, hash) VALUES (1, $1, $2)
      ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, [record.seq, record.hash]);
    return this.sql.run('audit_drop', 'DELETE FROM audit WHERE seq <= $1', [record.seq]);
  }

  private async anchor(): Promise<{ seq: number; hash: string } | null> {
    return (await this.sql.one<{ seq: number; hash: string }>('audit_anchor', 'SELECT seq, hash FROM audit_anchor WHERE one = 1')) ?? null;
  }
}
