import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Event } from '../../contract/index.ts';
import type { Alarm } from '../../contract/index.ts';
import { SERVER_DB_FILE, openSqliteStore } from '../../server/services/store/sqlite-store.ts';
import type { ServerStore } from '../../server/services/store/types.ts';
import { event, tempDir } from './helpers.ts';

let dir: ReturnType<typeof tempDir>;
let store: ServerStore;
beforeEach(() => {
  dir = tempDir();
  store = openSqliteStore(dir.path);
});
afterEach(() => {
  store.close();
  dir.remove();
});

const meta = { gatewayId: 'gw-a', receivedAt: 1 };
const alarm = (overrides: Partial<Alarm> = {}): Alarm => ({
  id: 'a1', kind: 'call.button', severity: 'critical', siteId: 'site-a', subject: 'device:b1', roomId: null, deviceId: 'b1',
  residentId: null, status: 'active_unack', raisedAt: '2025-01-01T00:00:00.000Z', clearedAt: null, ackedAt: null, ackedBy: null,
  resolvedAt: null, resolvedBy: null, note: null, count: 1, updatedAt: '2025-01-01T00:00:00.000Z', ...overrides,
});

describe('SQLite store', () => {
  it('commits durably: WAL journal with synchronous=FULL', () => {
    store.close();
    const db = new Database(join(dir.path, SERVER_DB_FILE));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // synchronous is per connection: read it from the store's own connection.
    store = openSqliteStore(dir.path);
    const own = (store as unknown as { events: { insert: { database: Database.Database } } }).events.insert.database;
    expect(own.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('keeps events, alarms and the change log across a reopen', () => {
    const e = Event.parse(event());
    store.atomically(() => {
      store.events.appendIfNew(e, meta);
      store.alarms.put(alarm());
      store.alarms.appendChange({ change: 'raised', alarm: alarm() }, 1);
    });
    store.close();
    store = openSqliteStore(dir.path);
    expect(store.events.has(e.id)).toBe(true);
    expect(store.alarms.get('a1')).toEqual(alarm());
    expect(store.alarms.lastChangeId()).toBe(1);
    expect(store.alarms.appendChange({ change: 'acked', alarm: alarm({ status: 'active_ack' }) }, 2)).toBe(2);
  });

  it('stores an event id once', () => {
    const e = Event.parse(event());
    expect(store.events.appendIfNew(e, meta)).toBe(true);
    expect(store.events.appendIfNew({ ...e, kind: 'fire.smoke' }, meta)).toBe(false);
  });

  it('rolls back everything of a failed unit of work', () => {
    const e = Event.parse(event());
    expect(() => store.atomically(() => {
      store.events.appendIfNew(e, meta);
      store.alarms.put(alarm());
      throw new Error('boom');
    })).toThrow('boom');
    expect(store.events.has(e.id)).toBe(false);
    expect(store.alarms.get('a1')).toBeUndefined();
  });

  it('allows at most one open alarm per key, any number of resolved ones', () => {
    store.alarms.put(alarm({ id: 'old', status: 'resolved' }));
    store.alarms.put(alarm({ id: 'older', status: 'resolved' }));
    store.alarms.put(alarm({ id: 'open' }));
    expect(() => store.alarms.put(alarm({ id: 'second-open' }))).toThrow(/UNIQUE/);
    expect(store.alarms.findOpen({ siteId: 'site-a', subject: 'device:b1', kind: 'call.button' })?.id).toBe('open');
  });

  it('never reuses a change id', () => {
    const first = store.alarms.appendChange({ change: 'raised', alarm: alarm() }, 1);
    const second = store.alarms.appendChange({ change: 'acked', alarm: alarm() }, 2);
    expect(second).toBe(first + 1);
    expect(store.alarms.changesAfter(first, 10).map((c) => c.changeId)).toEqual([second]);
  });

  it('lists by scope, kind prefix and openness, newest first, and counts by status', () => {
    store.alarms.put(alarm({ id: '1', raisedAt: '2025-01-01T00:00:01.000Z' }));
    store.alarms.put(alarm({ id: '2', siteId: 'site-b', raisedAt: '2025-01-01T00:00:02.000Z' }));
    store.alarms.put(alarm({ id: '3', kind: 'fire.smoke', raisedAt: '2025-01-01T00:00:03.000Z' }));
    store.alarms.put(alarm({ id: '4', kind: 'fire.heat', status: 'resolved', raisedAt: '2025-01-01T00:00:04.000Z' }));
    const ids = (filter: Parameters<typeof store.alarms.list>[0]) => store.alarms.list(filter).map((a) => a.id);
    expect(ids({ sites: 'all', openOnly: false, limit: 10 })).toEqual(['4', '3', '2', '1']);
    expect(ids({ sites: 'all', openOnly: true, limit: 10 })).toEqual(['3', '2', '1']);
    expect(ids({ sites: ['site-a'], openOnly: false, limit: 10 })).toEqual(['4', '3', '1']);
    expect(ids({ sites: ['site-a'], kindPrefix: 'fire.', openOnly: false, limit: 1 })).toEqual(['4']);
    expect(ids({ sites: [], openOnly: false, limit: 10 })).toEqual([]);
    expect(store.alarms.countByStatus()).toEqual({ active_unack: 3, active_ack: 0, cleared_unack: 0, cleared_ack: 0, resolved: 1 });
  });

  it('refuses a database written by a newer server', () => {
    store.close();
    const db = new Database(join(dir.path, SERVER_DB_FILE));
    db.pragma('user_version = 99');
    db.close();
    expect(() => openSqliteStore(dir.path)).toThrow(/schema version 99/);
    const again = new Database(join(dir.path, SERVER_DB_FILE));
    again.pragma('user_version = 2');
    again.close();
    store = openSqliteStore(dir.path);
  });

  it('upgrades a version 1 database: gateways get an empty site digest, their rows kept', () => {
    store.gateways.recordHeartbeat({ gatewayId: 'gw-a', siteIds: ['site-a'], sitesDigest: 'f'.repeat(64), outboxDepth: 0, startedAt: 1 }, 1000);
    store.close();
    // Back to what version 1 wrote: no sites_digest column.
    const v1 = new Database(join(dir.path, SERVER_DB_FILE));
    v1.exec('ALTER TABLE gateways DROP COLUMN sites_digest');
    v1.pragma('user_version = 1');
    v1.close();
    store = openSqliteStore(dir.path);
    expect(store.gateways.get('gw-a')).toMatchObject({ siteIds: ['site-a'], lastHeartbeatAt: 1000 });
    expect(store.gateways.liveness('gw-a')).toEqual({ gatewayId: 'gw-a', lastHeartbeatAt: 1000, offline: false, sitesDigest: '' });
  });
});
