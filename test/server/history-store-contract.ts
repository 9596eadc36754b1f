import { describe, expect, it } from 'vitest';
import type { HistoryStore, StatusSnapshot } from '../../server/services/history/types.ts';

/**
 * The history store's contract (DESIGN.md: "Each store has one contract test suite that every
 * implementation passes"): the embedded SQLite store and a real InfluxDB 1.x run these same cases.
 */
export interface HistoryUnderTest {
  store: HistoryStore;
  /** Closes the store and opens it again on the same data (a server restart). */
  reopen(): Promise<HistoryStore>;
  dispose(): Promise<void>;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A Saturday, midnight UTC: an hour boundary, so hourly buckets start at T0. */
const T0 = Date.UTC(2026, 0, 10);

const reading = (deviceId: string, ts: number, fields: Record<string, number | boolean | string>, siteId = 's1') => ({ siteId, deviceId, ts, fields });

export function describeHistoryStoreContract(name: string, open: () => Promise<HistoryUnderTest>): void {
  describe(`history store contract: ${name}`, () => {
    const withStore = (body: (t: HistoryUnderTest) => Promise<void>) => async () => {
      const t = await open();
      try {
        await body(t);
      } finally {
        await t.dispose();
      }
    };

    it('answers one device\'s points in time order, each field with its own type', withStore(async ({ store }) => {
      await store.write({
        readings: [
          reading('w1', T0 + MIN, { heart_rate: 80, worn: true }),
          reading('w1', T0, { heart_rate: 70, worn: true, fall_down_status: 'none' }),
          reading('w2', T0, { heart_rate: 99 }),
          reading('w1', T0, { heart_rate: 55 }, 's2'),
        ],
        status: [],
      });
      const series = await store.raw({ siteId: 's1', deviceId: 'w1', from: T0, to: T0 + HOUR }, 100);
      expect(series).toEqual([
        { field: 'fall_down_status', truncated: false, points: [{ t: T0, value: 'none' }] },
        { field: 'heart_rate', truncated: false, points: [{ t: T0, value: 70 }, { t: T0 + MIN, value: 80 }] },
        { field: 'worn', truncated: false, points: [{ t: T0, value: true }, { t: T0 + MIN, value: true }] },
      ]);
    }));

    it('takes `from` inclusive and `to` exclusive, names the fields asked for, and says when a limit cut the answer', withStore(async ({ store }) => {
      await store.write({ readings: [0, 1, 2, 3, 4].map((i) => reading('w1', T0 + i * MIN, { heart_rate: 60 + i, spo2: 97 })), status: [] });
      const window = await store.raw({ siteId: 's1', deviceId: 'w1', from: T0 + MIN, to: T0 + 3 * MIN, fields: ['heart_rate'] }, 100);
      expect(window).toEqual([{ field: 'heart_rate', truncated: false, points: [{ t: T0 + MIN, value: 61 }, { t: T0 + 2 * MIN, value: 62 }] }]);
      const cut = await store.raw({ siteId: 's1', deviceId: 'w1', from: T0, to: T0 + HOUR, fields: ['heart_rate'] }, 3);
      expect(cut[0]!.truncated).toBe(true);
      expect(cut[0]!.points.map((p) => p.value)).toEqual([60, 61, 62]);
    }));

    it('downsamples: numbers to mean, min, max and count per bucket; booleans and strings to the bucket\'s last value', withStore(async ({ store }) => {
      await store.write({
        readings: [
          reading('w1', T0, { heart_rate: 60 }),
          reading('w1', T0 + 5 * MIN, { in_bed: true }),
          reading('w1', T0 + 10 * MIN, { heart_rate: 70 }),
          reading('w1', T0 + 15 * MIN, { in_bed: false }),
          reading('w1', T0 + 20 * MIN, { heart_rate: 90 }),
          reading('w1', T0 + 65 * MIN, { heart_rate: 100 }),
          reading('w1', T0 + 70 * MIN, { in_bed: true }),
          reading('w1', T0 + 3 * HOUR, { heart_rate: 1 }), // outside `to`
        ],
        status: [],
      });
      const series = await store.downsample({ siteId: 's1', deviceId: 'w1', from: T0, to: T0 + 2 * HOUR }, HOUR);
      const hr = series.find((s) => s.field === 'heart_rate')!;
      expect(hr.points).toHaveLength(2);
      expect(hr.points[0]).toMatchObject({ t: T0, min: 60, max: 90, count: 3 });
      expect(hr.points[0]!.value).toBeCloseTo(220 / 3, 6);
      expect(hr.points[1]).toEqual({ t: T0 + HOUR, value: 100, min: 100, max: 100, count: 1 });
      expect(series.find((s) => s.field === 'in_bed')!.points).toEqual([{ t: T0, value: false, count: 2 }, { t: T0 + HOUR, value: true, count: 1 }]);
      const only = await store.downsample({ siteId: 's1', deviceId: 'w1', from: T0, to: T0 + 2 * HOUR, fields: ['in_bed'] }, HOUR);
      expect(only.map((s) => s.field)).toEqual(['in_bed']);
    }));

    it('answers long ranges from hourly roll-ups: the same buckets as from the points, also after a point was written again', withStore(async ({ store }) => {
      // Two days of a sprinkler's pressure every 10 minutes, a bed sensor's changes, and a retried point with another value.
      const readings = Array.from({ length: 2 * 144 }, (_, i) => reading('fs1', T0 + i * 10 * MIN, { pressure: 300 + (i % 7) }));
      readings.push(reading('b1', T0 + 5 * MIN, { in_bed: true }), reading('b1', T0 + 50 * MIN, { in_bed: false }), reading('b1', T0 + DAY + 3 * HOUR, { in_bed: true }));
      await store.write({ readings, status: [] });
      await store.write({ readings: [reading('fs1', T0 + 20 * MIN, { pressure: 1000 })], status: [] });
      const range = { siteId: 's1', from: T0, to: T0 + 2 * DAY };
      for (const every of [HOUR, DAY]) {
        const [raw] = await store.downsample({ ...range, deviceId: 'fs1' }, every);
        const [rolled] = await store.rolledUp({ ...range, deviceId: 'fs1' }, every);
        expect(rolled!.points.map((p) => [p.t, p.min, p.max, p.count])).toEqual(raw!.points.map((p) => [p.t, p.min, p.max, p.count]));
        rolled!.points.forEach((p, i) => expect(p.value).toBeCloseTo(raw!.points[i]!.value as number, 9));
        expect(await store.rolledUp({ ...range, deviceId: 'b1' }, every)).toEqual(await store.downsample({ ...range, deviceId: 'b1' }, every));
      }
      const [hourly] = await store.rolledUp({ ...range, deviceId: 'fs1' }, HOUR);
      expect(hourly!.points).toHaveLength(48);
      // 300..305 with 302 replaced by 1000 in the first hour.
      expect(hourly!.points[0]).toMatchObject({ t: T0, min: 300, max: 1000, count: 6 });
      expect(await store.rolledUp({ ...range, deviceId: 'b1' }, DAY)).toEqual([{ field: 'in_bed', truncated: false, points: [{ t: T0, value: false, count: 2 }, { t: T0 + DAY, value: true, count: 1 }] }]);
    }));

    it('keeps one point per series and time: a retried batch replaces, never doubles', withStore(async ({ store }) => {
      await store.write({ readings: [reading('w1', T0, { heart_rate: 70 })], status: [] });
      await store.write({ readings: [reading('w1', T0, { heart_rate: 75 })], status: [] });
      expect(await store.raw({ siteId: 's1', deviceId: 'w1', from: T0, to: T0 + 1 }, 10)).toEqual([
        { field: 'heart_rate', truncated: false, points: [{ t: T0, value: 75 }] },
      ]);
    }));

    it('keeps every point of a large batch of many devices, and of one series and time written twice in it the later', withStore(async ({ store }) => {
      // A gateway's batch: devices round robin, more rows than one statement of the embedded store carries.
      const readings = Array.from({ length: 1000 }, (_, i) => reading(`w${i % 7}`, T0 + Math.floor(i / 7) * MIN, { heart_rate: i, spo2: 90 + (i % 10) }));
      readings.push(reading('w3', T0, { heart_rate: -1 }));
      await store.write({ readings, status: [{ siteId: 's1', deviceId: 'w3', ts: T0, fields: { battery: 50 } }, { siteId: 's1', deviceId: 'w3', ts: T0, fields: { battery: 40 } }] });
      const w3 = await store.raw({ siteId: 's1', deviceId: 'w3', from: T0, to: T0 + DAY }, 1000);
      const expected = readings.slice(0, 1000).filter((r) => r.deviceId === 'w3');
      expect(w3.find((s) => s.field === 'heart_rate')!.points).toEqual(expected.map((r, i) => ({ t: r.ts, value: i === 0 ? -1 : r.fields.heart_rate })));
      expect(w3.find((s) => s.field === 'spo2')!.points).toEqual(expected.map((r) => ({ t: r.ts, value: r.fields.spo2 })));
      expect((await store.statusAt(['s1'], T0))[0]).toMatchObject({ deviceId: 'w3', battery: { value: 40, ts: T0 } });
    }));

    it('answers nothing for a device it never heard of', withStore(async ({ store }) => {
      expect(await store.raw({ siteId: 's1', deviceId: 'ghost', from: T0, to: T0 + DAY }, 10)).toEqual([]);
      expect(await store.downsample({ siteId: 's1', deviceId: 'ghost', from: T0, to: T0 + DAY }, HOUR)).toEqual([]);
      expect(await store.statusAt(['s1'], T0)).toEqual([]);
    }));

    it('tells each device\'s status at any past moment from a scripted history', withStore(async ({ store }) => {
      // A smoke detector reports, is self-tested on day 1, drops off on day 2, comes back with a dying battery on day 3.
      await store.write({
        readings: [],
        status: [
          { siteId: 's1', deviceId: 'sd1', ts: T0, fields: { seen: true, online: true, battery: 90, battery_low: false, tamper: false, fault: false } },
          { siteId: 's1', deviceId: 'sd1', ts: T0 + DAY, fields: { seen: true, self_test: true } },
          { siteId: 's1', deviceId: 'sd1', ts: T0 + 2 * DAY, fields: { online: false } },
          { siteId: 's1', deviceId: 'sd1', ts: T0 + 3 * DAY, fields: { seen: true, online: true, battery: 10, battery_low: true } },
          { siteId: 's2', deviceId: 'sd9', ts: T0, fields: { seen: true, online: true } },
        ],
      });
      const at = async (ts: number, sites: readonly string[] | 'all' = ['s1']) => sortSnaps(await store.statusAt(sites, ts));
      expect(await at(T0 - 1)).toEqual([]);
      expect(await at(T0 + HOUR)).toEqual([{
        siteId: 's1', deviceId: 'sd1', lastSeen: T0,
        online: { value: true, ts: T0 }, battery: { value: 90, ts: T0 }, battery_low: { value: false, ts: T0 },
        tamper: { value: false, ts: T0 }, fault: { value: false, ts: T0 },
      }]);
      expect(await at(T0 + DAY)).toMatchObject([{ lastSeen: T0 + DAY, lastSelfTest: T0 + DAY, online: { value: true, ts: T0 } }]);
      expect(await at(T0 + 2 * DAY + 1)).toMatchObject([{ lastSeen: T0 + DAY, online: { value: false, ts: T0 + 2 * DAY }, battery: { value: 90 } }]);
      expect(await at(T0 + 3 * DAY)).toMatchObject([{
        lastSeen: T0 + 3 * DAY, lastSelfTest: T0 + DAY, online: { value: true }, battery: { value: 10 }, battery_low: { value: true, ts: T0 + 3 * DAY },
      }]);
      expect((await at(T0, 'all')).map((s) => `${s.siteId}/${s.deviceId}`)).toEqual(['s1/sd1', 's2/sd9']);
      expect((await at(T0, ['s2'])).map((s) => s.deviceId)).toEqual(['sd9']);
    }));

    it('tells the status at past moments when history arrives late and out of order (a gateway\'s backlog)', withStore(async ({ store }) => {
      const sd = (deviceId: string, ts: number, fields: Record<string, number | boolean>, siteId = 's1') => ({ siteId, deviceId, ts, fields });
      // Ten days of daily heartbeats of two sites; asked at day 9 (the snapshots are made).
      await store.write({ readings: [], status: Array.from({ length: 10 }, (_, d) => [sd('sd1', T0 + d * DAY + HOUR, { seen: true, online: true, battery: 90 - d }), sd('sd9', T0 + d * DAY, { seen: true }, 's2')]).flat() });
      expect(await store.statusAt(['s1'], T0 + 9 * DAY + 2 * HOUR)).toMatchObject([{ deviceId: 'sd1', battery: { value: 81 }, lastSeen: T0 + 9 * DAY + HOUR }]);
      // Then the backlog: day 2 the detector went offline and was tested; a device heard only on day 3.
      await store.write({ readings: [], status: [sd('sd1', T0 + 2 * DAY + 5 * HOUR, { online: false }), sd('sd1', T0 + 2 * DAY + 6 * HOUR, { self_test: true }), sd('sd2', T0 + 3 * DAY, { seen: true })] });
      expect(sortSnaps(await store.statusAt(['s1'], T0 + 2 * DAY + 12 * HOUR))).toMatchObject([
        { deviceId: 'sd1', online: { value: false, ts: T0 + 2 * DAY + 5 * HOUR }, lastSelfTest: T0 + 2 * DAY + 6 * HOUR, battery: { value: 88 } },
      ]);
      expect(sortSnaps(await store.statusAt(['s1'], T0 + 8 * DAY))).toMatchObject([
        { deviceId: 'sd1', online: { value: true, ts: T0 + 7 * DAY + HOUR }, lastSelfTest: T0 + 2 * DAY + 6 * HOUR, battery: { value: 83 } },
        { deviceId: 'sd2', lastSeen: T0 + 3 * DAY },
      ]);
      // Long after the last point, and every site at once.
      expect(sortSnaps(await store.statusAt('all', T0 + 40 * DAY)).map((s) => [s.deviceId, s.lastSeen])).toEqual([['sd1', T0 + 9 * DAY + HOUR], ['sd2', T0 + 3 * DAY], ['sd9', T0 + 9 * DAY]]);
    }));

    it('keeps what it was given across a reopen', withStore(async (t) => {
      await t.store.write({ readings: [reading('w1', T0, { spo2: 96 })], status: [{ siteId: 's1', deviceId: 'w1', ts: T0, fields: { seen: true } }] });
      const store = await t.reopen();
      expect(await store.raw({ siteId: 's1', deviceId: 'w1', from: T0, to: T0 + 1 }, 10)).toEqual([{ field: 'spo2', truncated: false, points: [{ t: T0, value: 96 }] }]);
      expect(await store.statusAt(['s1'], T0)).toEqual([{ siteId: 's1', deviceId: 'w1', lastSeen: T0 }]);
      expect(await store.rolledUp({ siteId: 's1', deviceId: 'w1', from: T0, to: T0 + HOUR }, HOUR)).toEqual([{ field: 'spo2', truncated: false, points: [{ t: T0, value: 96, min: 96, max: 96, count: 1 }] }]);
    }));

    it('keeps status written just before a restart that had not been folded into the snapshots yet', withStore(async (t) => {
      await t.store.write({ readings: [], status: [{ siteId: 's1', deviceId: 'sd1', ts: T0, fields: { seen: true, online: true } }] });
      expect(await t.store.statusAt(['s1'], T0 + DAY)).toHaveLength(1);
      await t.store.write({ readings: [], status: [{ siteId: 's1', deviceId: 'sd1', ts: T0 + 2 * DAY, fields: { online: false } }] });
      const store = await t.reopen();
      expect(await store.statusAt(['s1'], T0 + 3 * DAY)).toMatchObject([{ deviceId: 'sd1', online: { value: false, ts: T0 + 2 * DAY } }]);
    }));
  });
}

function sortSnaps(list: StatusSnapshot[]): StatusSnapshot[] {
  return [...list].sort((a, b) => `${a.siteId}/${a.deviceId}`.localeCompare(`${b.siteId}/${b.deviceId}`));
}
