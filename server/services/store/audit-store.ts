import type { AuditRecord, AuditRecordInput, AuditVerification } from '../../../contract/index.ts';

export interface AuditFilter {
  /** Sites in the reader's scope; `'all'` for a reader above every site. Records with no site are shown to `'all'` only. */
  sites: readonly string[] | 'all';
  from?: number;
  to?: number;
  alarmId?: string;
  residentId?: string;
  /** Records after this position (paging). */
  afterSeq?: number;
  limit: number;
}

/**
 * The hash-chained audit trail (issue 18): append-only, each record numbered and chained to the
 * one before by SHA-256, so an edited or deleted record is found by `verify`. Appends happen inside
 * the unit of work that made the change they record: the change and its record commit together.
 */
export interface AuditStore {
  append(input: AuditRecordInput): Promise<AuditRecord>;
  /** Oldest first. */
  list(filter: AuditFilter): Promise<AuditRecord[]>;
  /** Checks the whole kept chain, oldest to newest. */
  verify(): Promise<AuditVerification>;
  /**
   * Drops records older than `before` (epoch ms) under the retention policy, remembering the last
   * dropped record as the anchor the kept chain starts from. Returns how many were dropped.
   */
  prune(before: number): Promise<number>;
}
