import { describe, expect, it } from 'vitest';
import { ALARM_HANDLING_NONE, Event } from '../../contract/index.ts';
import type { Alarm, EventInput } from '../../contract/index.ts';
import type { AlarmTimerKind } from '../../server/services/store/alarm-timer-store.ts';
import type { AlarmFilter, ServerStore } from '../../server/services/store/types.ts';
import { event } from './helpers.ts';

/**
 * The server store's contract (DESIGN.md: "Each store has one contract test suite that every
 * implementation passes"): the embedded SQLite store and PostgreSQL run these same cases. An
 * implementation gives a fresh, empty store per test and can reopen it on the same data.
 */
export interface StoreUnderTest {
  store: ServerStore;
  /** Closes the store and opens it again on the same data (a server restart). */
  reopen(): Promise<ServerStore>;
  /** Closes and removes everything the test made. */
  dispose(): Promise<void>;
}

const meta = { gatewayId: 'gw-a', receivedAt: 1 };

export const alarm = (overrides: Partial<Alarm> = {}): Alarm => ({
  id: 'a1', kind: 'call.button', severity: 'critical', siteId: 'site-a', subject: 'device:b1', roomId: null, deviceId: 'b1',
  residentId: null, status: 'active_unack', raisedAt: '2025-01-01T00:00:00.000Z', clearedAt: null, ackedAt: null, ackedBy: null,
  resolvedAt: null, resolvedBy: null, note: null, count: 1, updatedAt: '2025-01-01T00:00:00.000Z', ...ALARM_HANDLING_NONE, ...overrides,
});

export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`server store contract: ${name}`, () => {
    const withStore = (body: (t: StoreUnderTest) => Promise<void>) => async () => {
      const t = await open();
      try {
        await body(t);
      } finally {
        await t.dispose();
      }
    };

    it('keeps events, alarms and the change log across a reopen', withStore(async (t) => {
      const e = Event.parse(event());
      await t.store.write(async (tx) => {
        await tx.events.appendIfNew(e, meta);
        await tx.alarms.put(alarm());
        await tx.alarms.appendChange({ change: 'raised', alarm: alarm() }, 1);
      });
      const store = await t.reopen();
      expect(await store.read((tx) => tx.events.has(e.id))).toBe(true);
      expect(await store.read((tx) => tx.alarms.get('a1'))).toEqual(alarm());
      const first = await store.read((tx) => tx.alarms.lastChangeId());
      const next = await store.write((tx) => tx.alarms.appendChange({ change: 'acked', alarm: alarm({ status: 'active_ack' }) }, 2));
      expect(next).toBeGreaterThan(first);
    }));

    it('stores an event id once', withStore(async ({ store }) => {
      const e = Event.parse(event());
      expect(await store.write((tx) => tx.events.appendIfNew(e, meta))).toBe(true);
      expect(await store.write((tx) => tx.events.appendIfNew({ ...e, kind: 'fire.smoke' }, meta))).toBe(false);
    }));

    it('keeps each device\'s latest view from its events: newest device time wins, a known room stays known, in or across units', withStore(async ({ store }) => {
      const at = (ts: number, kind: EventInput['kind'], room?: string) => Event.parse(event({ deviceId: 'btn-9', subject: 'device:btn-9', ts, kind, roomId: room, residentId: undefined }));
      await store.write(async (tx) => {
        await tx.events.appendIfNew(at(10_000, 'call.button', 'r1'), meta);
        await tx.events.appendIfNew(at(12_000, 'device.battery_low'), meta);
        // Older than what the view has (a retry overtaken): the time and kind stay, its room is news.
        await tx.events.appendIfNew(at(11_000, 'device.tamper', 'r2'), meta);
        // A read inside the unit sees what the unit wrote.
        expect((await tx.events.devicesOfSite('site-a')).find((d) => d.deviceId === 'btn-9')).toMatchObject({ lastSeen: 12_000, lastKind: 'device.battery_low', roomId: 'r2' });
      });
      await store.write(async (tx) => {
        await tx.events.appendIfNew(at(9_000, 'fire.test'), meta);
        await tx.events.appendIfNew(at(12_000, 'call.button'), meta);
      });
      expect(await store.read((tx) => tx.events.devicesOfSite('site-a'))).toEqual([
        { siteId: 'site-a', deviceId: 'btn-9', roomId: 'r2', residentId: null, lastSeen: 12_000, lastKind: 'call.button' },
      ]);
      // A failed unit moves no device.
      await expect(store.write(async (tx) => {
        await tx.events.appendIfNew(at(20_000, 'wearable.fall'), meta);
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect((await store.read((tx) => tx.events.devicesOfSite('site-a')))[0]).toMatchObject({ lastSeen: 12_000, lastKind: 'call.button' });
    }));

    it('lists alarms raised in a window [from, before), newest first', withStore(async ({ store }) => {
      await store.write(async (tx) => {
        for (const [id, at] of [['early', '2026-12-03T23:59:59.999Z'], ['first', '2026-12-04T00:00:00.000Z'], ['last', '2026-12-04T23:59:59.999Z'], ['late', '2026-12-05T00:00:00.000Z']]) {
          await tx.alarms.put(alarm({ id: id!, subject: `device:${id}`, raisedAt: at!, updatedAt: at! }));
        }
      });
      const inDay = await store.read((tx) => tx.alarms.list({ sites: 'all', openOnly: false, raisedFrom: '2026-12-04T00:00:00.000Z', raisedBefore: '2026-12-05T00:00:00.000Z', limit: 10 }));
      expect(inDay.map((a) => a.id)).toEqual(['last', 'first']);
    }));

    it('rolls back everything of a failed unit of work', withStore(async ({ store }) => {
      const e = Event.parse(event());
      await expect(store.write(async (tx) => {
        await tx.events.appendIfNew(e, meta);
        await tx.alarms.put(alarm());
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect(await store.read((tx) => tx.events.has(e.id))).toBe(false);
      expect(await store.read((tx) => tx.alarms.get('a1'))).toBeUndefined();
    }));

    it('keeps concurrent units of work whole: each commits all of its writes or none', withStore(async ({ store }) => {
      const units = Array.from({ length: 20 }, (_, i) => store.write(async (tx) => {
        await tx.alarms.put(alarm({ id: `a${i}`, subject: `device:b${i}` }));
        await new Promise((r) => setImmediate(r));
        if (i % 2 === 1) throw new Error(`unit ${i} fails`);
        await tx.alarms.appendChange({ change: 'raised', alarm: alarm({ id: `a${i}` }) }, i);
      }));
      const outcomes = await Promise.allSettled(units);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
      const kept = (await store.read((tx) => tx.alarms.list({ sites: 'all', openOnly: false, limit: 100 }))).map((a) => a.id).sort();
      expect(kept).toEqual(Array.from({ length: 10 }, (_, i) => `a${i * 2}`).sort());
    }));

    it('a read sees nothing a unit of work has not committed yet', withStore(async ({ store }) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      let wrote!: () => void;
      const written = new Promise<void>((r) => { wrote = r; });
      const writing = store.write(async (tx) => {
        await tx.alarms.put(alarm());
        wrote();
        await gate;
      });
      await written;
      expect(await store.read((tx) => tx.alarms.get('a1'))).toBeUndefined();
      release();
      await writing;
      expect(await store.read((tx) => tx.alarms.get('a1'))).toEqual(alarm());
    }));

    it('allows at most one open alarm per key, any number of resolved ones', withStore(async ({ store }) => {
      await store.write(async (tx) => {
        await tx.alarms.put(alarm({ id: 'old', status: 'resolved' }));
        await tx.alarms.put(alarm({ id: 'older', status: 'resolved' }));
        await tx.alarms.put(alarm({ id: 'open' }));
      });
      await expect(store.write((tx) => tx.alarms.put(alarm({ id: 'second-open' })))).rejects.toThrow();
      expect((await store.read((tx) => tx.alarms.findOpen({ siteId: 'site-a', subject: 'device:b1', kind: 'call.button' })))?.id).toBe('open');
    }));

    it('never reuses a change id, and replays changes in id order', withStore(async ({ store }) => {
      const first = await store.write((tx) => tx.alarms.appendChange({ change: 'raised', alarm: alarm() }, 1));
      const second = await store.write((tx) => tx.alarms.appendChange({ change: 'acked', alarm: alarm() }, 2));
      expect(second).toBeGreaterThan(first);
      expect((await store.read((tx) => tx.alarms.changesAfter(first, 10))).map((c) => c.changeId)).toEqual([second]);
      expect(await store.read((tx) => tx.alarms.lastChangeId())).toBe(second);
    }));

    it('lists by scope, kind prefix and openness, newest first, and counts by status', withStore(async ({ store }) => {
      await store.write(async (tx) => {
        await tx.alarms.put(alarm({ id: '1', raisedAt: '2025-01-01T00:00:01.000Z' }));
        await tx.alarms.put(alarm({ id: '2', siteId: 'site-b', raisedAt: '2025-01-01T00:00:02.000Z' }));
        await tx.alarms.put(alarm({ id: '3', kind: 'fire.smoke', raisedAt: '2025-01-01T00:00:03.000Z' }));
        await tx.alarms.put(alarm({ id: '4', kind: 'fire.heat', status: 'resolved', raisedAt: '2025-01-01T00:00:04.000Z' }));
      });
      const ids = async (filter: AlarmFilter) =>
        (await store.read((tx) => tx.alarms.list(filter))).map((a) => a.id);
      expect(await ids({ sites: 'all', openOnly: false, limit: 10 })).toEqual(['4', '3', '2', '1']);
      expect(await ids({ sites: 'all', openOnly: true, limit: 10 })).toEqual(['3', '2', '1']);
      expect(await ids({ sites: ['site-a'], openOnly: false, limit: 10 })).toEqual(['4', '3', '1']);
      expect(await ids({ sites: ['site-a'], kindPrefix: 'fire.', openOnly: false, limit: 1 })).toEqual(['4']);
      expect(await ids({ sites: [], openOnly: false, limit: 10 })).toEqual([]);
      expect(await store.read((tx) => tx.alarms.countByStatus())).toEqual({ active_unack: 3, active_ack: 0, cleared_unack: 0, cleared_ack: 0, resolved: 1 });
    }));

    it('keeps alarm timers: upsert by id, per alarm, due earliest first, next deadline, counts by kind', withStore(async (t) => {
      const timer = (id: string, kind: AlarmTimerKind, dueAt: number, alarmId = 'a1') => ({ id, alarmId, siteId: 'site-a', kind, dueAt, state: { level: 0, steps: [{ afterSec: 60 }] } });
      await t.store.write(async (tx) => {
        await tx.timers.put(timer('escalate:a1', 'escalate', 3000));
        await tx.timers.put(timer('deliver:x', 'deliver', 1000));
        await tx.timers.put(timer('resignal:a2', 'resignal', 2000, 'a2'));
        await tx.timers.put(timer('escalate:a1', 'escalate', 500));
      });
      const store = await t.reopen();
      expect(await store.read((tx) => tx.timers.get('escalate:a1'))).toEqual(timer('escalate:a1', 'escalate', 500));
      expect((await store.read((tx) => tx.timers.ofAlarm('a1'))).map((x) => x.id)).toEqual(['escalate:a1', 'deliver:x']);
      expect((await store.read((tx) => tx.timers.ofAlarm('a1', ['deliver']))).map((x) => x.id)).toEqual(['deliver:x']);
      expect((await store.write((tx) => tx.timers.due(1000, 10))).map((x) => x.id)).toEqual(['escalate:a1', 'deliver:x']);
      expect((await store.write((tx) => tx.timers.due(5000, 1))).map((x) => x.id)).toEqual(['escalate:a1']);
      expect(await store.read((tx) => tx.timers.nextDue())).toBe(500);
      expect(await store.read((tx) => tx.timers.countByKind())).toEqual({ escalate: 1, resignal: 1, contact: 0, deliver: 1 });
      expect(await store.write((tx) => tx.timers.remove('escalate:a1'))).toBe(true);
      expect(await store.write((tx) => tx.timers.remove('escalate:a1'))).toBe(false);
      expect(await store.read((tx) => tx.timers.nextDue())).toBe(1000);
    }));

    it('claims due timers for one unit of work: concurrent units never take the same timer', withStore(async ({ store }) => {
      await store.write(async (tx) => {
        for (let i = 0; i < 30; i++) await tx.timers.put({ id: `escalate:a${i}`, alarmId: `a${i}`, siteId: 'site-a', kind: 'escalate', dueAt: i, state: {} });
      });
      // Each unit takes what is due and moves it on, as the escalation loop does.
      const taken = await Promise.all(Array.from({ length: 6 }, () => store.write(async (tx) => {
        const due = await tx.timers.due(100, 10);
        await new Promise((r) => setImmediate(r));
        for (const timer of due) await tx.timers.put({ ...timer, dueAt: 10_000 });
        return due.map((x) => x.id);
      })));
      const all = taken.flat();
      expect(all).toHaveLength(30);
      expect(new Set(all).size).toBe(30);
    }));

    it('keeps a gateway\'s heartbeat, liveness and offline mark', withStore(async ({ store }) => {
      await store.write((tx) => tx.gateways.recordHeartbeat({ gatewayId: 'gw-a', siteIds: ['site-a'], sitesDigest: 'f'.repeat(64), outboxDepth: 3, startedAt: 1 }, 1000));
      expect(await store.write((tx) => tx.gateways.touchHeartbeat({ gatewayId: 'gw-a', outboxDepth: 0, startedAt: 1 }, 2000))).toBe(true);
      expect(await store.write((tx) => tx.gateways.touchHeartbeat({ gatewayId: 'gw-x', outboxDepth: 0, startedAt: 1 }, 2000))).toBe(false);
      await store.write((tx) => tx.gateways.setOffline('gw-a', true));
      expect(await store.read((tx) => tx.gateways.liveness('gw-a'))).toEqual({ gatewayId: 'gw-a', lastHeartbeatAt: 2000, offline: true, sitesDigest: 'f'.repeat(64) });
      expect(await store.read((tx) => tx.gateways.all())).toEqual([{ gatewayId: 'gw-a', siteIds: ['site-a'], lastHeartbeatAt: 2000, outboxDepth: 0, startedAt: 1, offline: true }]);
    }));
  });
}
