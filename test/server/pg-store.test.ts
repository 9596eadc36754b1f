import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore } from '../../server/services/store/pg-store.ts';
import type { ServerStore } from '../../server/services/store/types.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { Postgres } from '../helpers/postgres.ts';
import { describeAuditStoreContract } from './audit-store-contract.ts';
import { describeIdentityStoreContract } from './identity-store-contract.ts';
import { describeRegistryStoreContract } from './registry-store-contract.ts';
import { alarm, describeStoreContract } from './store-contract.ts';

// One real PostgreSQL 15 for the file; each case gets a database of its own.
let postgres: Postgres;
let databases = 0;
beforeAll(async () => {
  postgres = await startPostgres({ durable: false });
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
});

async function openPostgres() {
  const url = await postgres.createDatabase(`case_${++databases}`);
  let store = await openPgStore(url);
  return {
    get store() { return store; },
    reopen: async () => {
      await store.close();
      store = await openPgStore(url);
      return store;
    },
    dispose: async () => {
      await store.close();
    },
  };
}

describeStoreContract('PostgreSQL 15 (real postgres)', openPostgres);
describeAuditStoreContract('PostgreSQL 15 (real postgres)', openPostgres);
describeRegistryStoreContract('PostgreSQL 15 (real postgres)', openPostgres);
describeIdentityStoreContract('PostgreSQL 15 (real postgres)', openPostgres);

describe('PostgreSQL store: what only it has', () => {
  it('refuses a unit of work that writes inside a read', async () => {
    const t = await openPostgres();
    try {
      await expect(t.store.read((tx) => tx.alarms.put(alarm()))).rejects.toThrow(/read-only transaction/);
    } finally {
      await t.dispose();
    }
  });

  it('refuses a database written by a newer server', async () => {
    const url = await postgres.createDatabase(`case_${++databases}`);
    await (await openPgStore(url)).close();
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    await raw.query("INSERT INTO schema_migrations (id, applied_at) VALUES ('future-1', 0)");
    await raw.end();
    await expect(openPgStore(url)).rejects.toThrow(/newer server/);
  });

  it('replicas opening one new database together apply each schema step once', async () => {
    const url = await postgres.createDatabase(`case_${++databases}`);
    const stores: ServerStore[] = await Promise.all([openPgStore(url), openPgStore(url), openPgStore(url)]);
    expect(await stores[2]!.read((tx) => tx.alarms.lastChangeId())).toBe(0);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('says so when a unit caught a failed statement and went on: nothing was committed', async () => {
    const t = await openPostgres();
    try {
      await t.store.write((tx) => tx.alarms.put(alarm({ id: 'open' })));
      await expect(t.store.write(async (tx) => {
        await tx.alarms.put(alarm({ id: 'other', subject: 'device:other' }));
        await tx.alarms.put(alarm({ id: 'second-open' })).catch(() => undefined);
      })).rejects.toThrow();
      expect(await t.store.read((tx) => tx.alarms.get('other'))).toBeUndefined();
    } finally {
      await t.dispose();
    }
  });

  it('hands out change ids in commit order across stores on one database (replicas)', async () => {
    const url = await postgres.createDatabase(`case_${++databases}`);
    const [a, b] = await Promise.all([openPgStore(url), openPgStore(url)]);
    try {
      // Interleave units of both replicas; a reader following ids never sees a later id commit before an earlier one.
      const seen: number[] = [];
      let last = 0;
      const writes = Array.from({ length: 40 }, (_, i) => (i % 2 ? a! : b!).write(async (tx) => {
        const id = await tx.alarms.appendChange({ change: 'raised', alarm: alarm({ id: `a${i}` }) }, i);
        await new Promise((r) => setImmediate(r));
        return id;
      }));
      const follow = (async () => {
        while (seen.length < 40) {
          const page = await a!.read((tx) => tx.alarms.changesAfter(last, 100));
          for (const c of page) {
            seen.push(c.changeId);
            last = c.changeId;
          }
          await new Promise((r) => setImmediate(r));
        }
      })();
      const ids = await Promise.all(writes);
      await follow;
      expect(seen).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(seen).size).toBe(40);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  });
});
