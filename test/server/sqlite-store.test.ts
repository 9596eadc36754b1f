import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Event } from '../../contract/index.ts';
import { SqliteAlarmStore } from '../../server/services/store/sqlite-alarms.ts';
import { SqliteEventStore } from '../../server/services/store/sqlite-events.ts';
import { migrate } from '../../server/services/store/sqlite-migrations.ts';
import { CORE_MIGRATIONS } from '../../server/services/store/sqlite-schema.ts';
import { SERVER_DB_FILE, openSqliteStore } from '../../server/services/store/sqlite-store.ts';
import type { ServerStore } from '../../server/services/store/types.ts';
import { event, tempDir } from './helpers.ts';
import { describeAuditStoreContract } from './audit-store-contract.ts';
import { describeIdentityStoreContract } from './identity-store-contract.ts';
import { describeRegistryStoreContract } from './registry-store-contract.ts';
import { alarm, describeStoreContract } from './store-contract.ts';

async function openEmbedded() {
  const dir = tempDir();
  let store = openSqliteStore(dir.path);
  return {
    get store() { return store; },
    reopen: async () => {
      await store.close();
      store = openSqliteStore(dir.path);
      return store;
    },
    dispose: async () => {
      await store.close();
      dir.remove();
    },
  };
}
describeStoreContract('embedded SQLite', openEmbedded);
describeAuditStoreContract('embedded SQLite', openEmbedded);
describeRegistryStoreContract('embedded SQLite', openEmbedded);
describeIdentityStoreContract('embedded SQLite', openEmbedded);

describe('SQLite store: what only the embedded store has', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ServerStore;
  beforeEach(() => {
    dir = tempDir();
    store = openSqliteStore(dir.path);
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it('commits durably: WAL journal with synchronous=FULL on the writing connection', async () => {
    await store.close();
    const db = new Database(join(dir.path, SERVER_DB_FILE));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    store = openSqliteStore(dir.path);
    // synchronous is per connection: read it inside a unit of work on the store's own writer.
    const own = await store.write(async (tx) => (tx.events as unknown as { insert: { database: Database.Database } }).insert.database);
    expect(own.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('keeps one audit chain when a second server process appends to the same file between units of work', async () => {
    // Each unit carries the chain's head from append to append; it must read it afresh when it starts.
    const other = openSqliteStore(dir.path);
    try {
      const record = (n: number) => ({ at: n, actor: 'nurse', from: null, action: 'alarm.commented' as const, siteId: 'site-a', alarmId: `a${n}`, residentId: null, details: {} });
      for (let n = 1; n <= 6; n += 2) {
        await store.write(async (tx) => { await tx.audit.append(record(n)); });
        await other.write(async (tx) => { await tx.audit.append(record(n + 1)); });
      }
      await store.write(async (tx) => { await tx.audit.append(record(7)); await tx.audit.append(record(8)); });
      expect(await store.read((tx) => tx.audit.verify())).toMatchObject({ ok: true, checked: 8, head: { seq: 8 } });
      expect((await other.read((tx) => tx.audit.list({ sites: 'all', limit: 10 }))).map((r) => r.at)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await other.close();
    }
  });

  it('refuses a unit of work that writes on the read connection', async () => {
    await expect(store.read((tx) => tx.alarms.putKeyState({ siteId: 's', subject: 'x:y', kind: 'k' }, { lastSeq: 1, lastTs: 1, lastAction: 'raise' })))
      .rejects.toThrow(/readonly/);
  });

  it('refuses a database written by a newer server (numbered or named steps)', async () => {
    await store.close();
    const db = new Database(join(dir.path, SERVER_DB_FILE));
    db.exec("INSERT INTO schema_migrations (id, applied_at) VALUES ('future-1', 0)");
    db.close();
    expect(() => openSqliteStore(dir.path)).toThrow(/newer server/);
    const legacy = new Database(join(dir.path, SERVER_DB_FILE));
    dropAreaTables(legacy);
    legacy.pragma('user_version = 99');
    legacy.close();
    expect(() => openSqliteStore(dir.path)).toThrow(/schema version 99/);
    const again = new Database(join(dir.path, SERVER_DB_FILE));
    again.pragma('user_version = 2');
    again.close();
    store = openSqliteStore(dir.path);
  });

  it('names the first edited or deleted audit record when the database file is changed behind the server', async () => {
    await store.write(async (tx) => {
      for (let n = 1; n <= 5; n++) {
        await tx.audit.append({ at: n, actor: 'nurse', from: null, action: 'alarm.acknowledged', siteId: 'site-a', alarmId: `a${n}`, residentId: null, details: {} });
      }
    });
    await store.close();
    const raw = new Database(join(dir.path, SERVER_DB_FILE));
    raw.prepare("UPDATE audit SET body = replace(body, '\"actor\":\"nurse\"', '\"actor\":\"someone-else\"') WHERE seq = 3").run();
    raw.close();
    store = openSqliteStore(dir.path);
    expect((await store.read((tx) => tx.audit.verify())).firstBroken).toMatchObject({ seq: 3, problem: 'edited' });
    await store.close();
    const again = new Database(join(dir.path, SERVER_DB_FILE));
    again.prepare("UPDATE audit SET body = replace(body, '\"actor\":\"someone-else\"', '\"actor\":\"nurse\"') WHERE seq = 3").run();
    again.prepare('DELETE FROM audit WHERE seq = 2').run();
    again.close();
    store = openSqliteStore(dir.path);
    expect(await store.read((tx) => tx.audit.verify())).toMatchObject({ ok: false, checked: 2, firstBroken: { seq: 2, problem: 'deleted' } });
  });

  it('upgrades a version 1 database: gateways get an empty site digest, their rows kept', async () => {
    await store.write((tx) => tx.gateways.recordHeartbeat({ gatewayId: 'gw-a', siteIds: ['site-a'], sitesDigest: 'f'.repeat(64), outboxDepth: 0, startedAt: 1 }, 1000));
    await store.close();
    // Back to what version 1 wrote: no sites_digest column, no named steps.
    const v1 = new Database(join(dir.path, SERVER_DB_FILE));
    v1.exec('ALTER TABLE gateways DROP COLUMN sites_digest');
    // Tables of areas added since did not exist then either.
    dropAreaTables(v1);
    v1.pragma('user_version = 1');
    v1.close();
    store = openSqliteStore(dir.path);
    expect(await store.read((tx) => tx.gateways.get('gw-a'))).toMatchObject({ siteIds: ['site-a'], lastHeartbeatAt: 1000 });
    expect(await store.read((tx) => tx.gateways.liveness('gw-a'))).toEqual({ gatewayId: 'gw-a', lastHeartbeatAt: 1000, offline: false, sitesDigest: '' });
  });
});

describe('SQLite store: events and alarms move to rowid tables (core-5)', () => {
  it('keeps every event and alarm of a database written before, ids still unique, one open alarm per key', async () => {
    const dir = tempDir();
    try {
      // What a server before core-5 wrote: the core steps up to core-4, WITHOUT ROWID tables.
      const before = new Database(join(dir.path, SERVER_DB_FILE));
      migrate(before, CORE_MIGRATIONS.filter((m) => m.id !== 'core-5'));
      const e = Event.parse(event());
      await new SqliteEventStore(before).appendIfNew(e, { gatewayId: 'gw-a', receivedAt: 1 });
      const alarms = new SqliteAlarmStore(before);
      await alarms.put(alarm({ id: 'old', status: 'resolved', raisedAt: '2025-01-01T00:00:00.000Z' }));
      await alarms.put(alarm({ id: 'open', raisedAt: '2025-01-02T00:00:00.000Z' }));
      before.close();

      const store = openSqliteStore(dir.path);
      try {
        expect(await store.read((tx) => tx.events.has(e.id))).toBe(true);
        expect(await store.write((tx) => tx.events.appendIfNew(e, { gatewayId: 'gw-a', receivedAt: 2 }))).toBe(false);
        expect(await store.read((tx) => tx.alarms.get('open'))).toEqual(alarm({ id: 'open', raisedAt: '2025-01-02T00:00:00.000Z' }));
        expect((await store.read((tx) => tx.alarms.list({ sites: 'all', openOnly: false, limit: 10 }))).map((a) => a.id)).toEqual(['open', 'old']);
        await expect(store.write((tx) => tx.alarms.put(alarm({ id: 'second-open' })))).rejects.toThrow();
        await store.write((tx) => tx.alarms.put(alarm({ id: 'open', status: 'resolved' })));
        expect(await store.read((tx) => tx.alarms.countByStatus())).toMatchObject({ resolved: 2, active_unack: 0 });
      } finally {
        await store.close();
      }
      const after = new Database(join(dir.path, SERVER_DB_FILE), { readonly: true });
      const sql = (name: string) => (after.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) as { sql: string }).sql;
      expect(sql('events')).not.toMatch(/WITHOUT ROWID/i);
      expect(sql('alarms')).not.toMatch(/WITHOUT ROWID/i);
      after.close();
    } finally {
      dir.remove();
    }
  });
});

const CORE_TABLES = new Set(['events', 'devices', 'alarms', 'alarm_keys', 'alarm_changes', 'gateways', 'sqlite_sequence']);

/** Back to before named steps: every table but the core's goes (areas added since did not exist then). */
function dropAreaTables(db: Database.Database): void {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  for (const name of tables) if (!CORE_TABLES.has(name)) db.exec(`DROP TABLE ${name}`);
}
