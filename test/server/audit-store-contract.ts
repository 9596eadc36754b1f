import { describe, expect, it } from 'vitest';
import type { AuditRecordInput } from '../../contract/index.ts';
import type { AuditFilter } from '../../server/services/store/audit-store.ts';
import type { StoreUnderTest } from './store-contract.ts';

const record = (n: number, overrides: Partial<AuditRecordInput> = {}): AuditRecordInput => ({
  at: 1_000 * n, actor: 'night-nurse', from: '10.0.0.7', action: 'alarm.acknowledged',
  siteId: n % 2 === 0 ? 'site-b' : 'site-a', alarmId: `alarm-${n}`, residentId: null, details: { n }, ...overrides,
});

/**
 * The audit store's contract, for every implementation. What tampering looks like in each
 * database (an UPDATE, a DELETE) is each implementation's own test: `tamper` does it there.
 */
export function describeAuditStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`audit store contract: ${name}`, () => {
    const withStore = (body: (t: StoreUnderTest) => Promise<void>) => async () => {
      const t = await open();
      try {
        await body(t);
      } finally {
        await t.dispose();
      }
    };
    const appendAll = (t: StoreUnderTest, n: number) =>
      t.store.write(async (tx) => { for (let i = 1; i <= n; i++) await tx.audit.append(record(i)); });

    it('numbers records 1, 2, 3 … and chains each to the one before', withStore(async (t) => {
      await appendAll(t, 3);
      const all = await t.store.read((tx) => tx.audit.list({ sites: 'all', limit: 10 }));
      expect(all.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(all[0]!.prevHash).toBe('0'.repeat(64));
      expect(all[1]!.prevHash).toBe(all[0]!.hash);
      expect(all[2]!.prevHash).toBe(all[1]!.hash);
      expect(await t.store.read((tx) => tx.audit.verify())).toEqual({ ok: true, checked: 3, head: { seq: 3, hash: all[2]!.hash }, firstBroken: null });
    }));

    it('continues the chain across a restart', withStore(async (t) => {
      await appendAll(t, 2);
      const store = await t.reopen();
      await store.write((tx) => tx.audit.append(record(3)));
      expect((await store.read((tx) => tx.audit.verify())).ok).toBe(true);
    }));

    it('an append rolled back with its unit of work leaves no record and no gap', withStore(async (t) => {
      await appendAll(t, 1);
      await expect(t.store.write(async (tx) => { await tx.audit.append(record(2)); throw new Error('the change failed'); })).rejects.toThrow();
      await t.store.write((tx) => tx.audit.append(record(3)));
      expect((await t.store.read((tx) => tx.audit.list({ sites: 'all', limit: 10 }))).map((r) => r.seq)).toEqual([1, 2]);
      expect((await t.store.read((tx) => tx.audit.verify())).ok).toBe(true);
    }));

    it('filters by site scope, time, alarm and resident, and pages by position', withStore(async (t) => {
      await appendAll(t, 6);
      await t.store.write((tx) => tx.audit.append(record(7, { siteId: null, action: 'session.signed_in', alarmId: null })));
      await t.store.write((tx) => tx.audit.append(record(8, { residentId: 'res-1', action: 'resident.viewed', alarmId: null })));
      const seqs = async (filter: AuditFilter) =>
        (await t.store.read((tx) => tx.audit.list(filter))).map((r) => r.seq);
      expect(await seqs({ sites: ['site-a'], limit: 10 })).toEqual([1, 3, 5]);
      expect(await seqs({ sites: 'all', limit: 10 })).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await seqs({ sites: 'all', from: 2_000, to: 4_000, limit: 10 })).toEqual([2, 3]);
      expect(await seqs({ sites: 'all', alarmId: 'alarm-4', limit: 10 })).toEqual([4]);
      expect(await seqs({ sites: 'all', residentId: 'res-1', limit: 10 })).toEqual([8]);
      expect(await seqs({ sites: 'all', afterSeq: 5, limit: 2 })).toEqual([6, 7]);
    }));

    it('prunes under retention and still verifies from the anchor it keeps', withStore(async (t) => {
      await appendAll(t, 5);
      expect(await t.store.write((tx) => tx.audit.prune(3_000))).toBe(2);
      expect((await t.store.read((tx) => tx.audit.list({ sites: 'all', limit: 10 }))).map((r) => r.seq)).toEqual([3, 4, 5]);
      expect(await t.store.read((tx) => tx.audit.verify())).toMatchObject({ ok: true, checked: 3 });
      await t.store.write((tx) => tx.audit.append(record(6)));
      expect(await t.store.read((tx) => tx.audit.verify())).toMatchObject({ ok: true, checked: 4 });
    }));
  });
}
