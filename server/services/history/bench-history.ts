// `carewatch bench --only history` runs this in its own process (simulators/bench/history.ts) and
// reads the JSON it prints. Each figure is measured beside a baseline in the same run (issue 24):
// the bare driver doing the same work without the product's code around it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { API_PREFIX, hashSecret } from '../../../contract/index.ts';
import type { SiteFileInput } from '../../../contract/index.ts';
import { buildServer } from '../../app.ts';
import { openInfluxHistory } from './influx-history.ts';
import { openSqliteHistory } from './sqlite-history.ts';
import type { FieldSeries, HistoryStore, ReadingPoint } from './types.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const args = process.argv.slice(2);
const influxBase = args.includes('--influx') ? args[args.indexOf('--influx') + 1] : undefined;
const RUNS = 3;
const HOUR = 3_600_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const r1 = (n: number) => Math.round(n * 10) / 10;
let dbs = 0;

interface Opened {
  store: HistoryStore;
  dispose(): Promise<void>;
  bareWrite(points: ReadingPoint[]): Promise<void>;
  /** The bucketing query on the raw points, as bare SQL / InfluxQL. */
  bareQuery(device: string, from: number, to: number, everyMs: number): Promise<unknown>;
  /** The same buckets from the product's roll-up rows, as bare SQL / InfluxQL. */
  bareRollup(device: string, from: number, to: number, everyMs: number): Promise<unknown>;
}

interface Backend {
  name: 'embedded' | 'influx';
  open(): Promise<Opened>;
}

const embedded: Backend = {
  name: 'embedded',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'carewatch-bench-history-'));
    const store = openSqliteHistory(dir);
    // The baseline: the same rows into a plain table of the same shape, same pragmas, no product code.
    const bare = new Database(join(dir, 'bare.db'));
    bare.pragma('journal_mode = WAL');
    bare.pragma('synchronous = NORMAL');
    bare.exec('CREATE TABLE points (series INTEGER NOT NULL, ts INTEGER NOT NULL, value, PRIMARY KEY (series, ts)) WITHOUT ROWID');
    const insert = bare.prepare('INSERT OR REPLACE INTO points VALUES (?, ?, ?)');
    const many = bare.transaction((points: ReadingPoint[]) => {
      for (const p of points) {
        let i = 0;
        for (const v of Object.values(p.fields)) insert.run(Number(p.deviceId.slice(1)) * 4 + i++, p.ts, v as number);
      }
    });
    const reader = new Database(join(dir, 'history.db'), { readonly: true });
    const q = reader.prepare(`SELECT ts - ts % @every AS t, avg(value), min(value), max(value), count(*) FROM points
      WHERE series = (SELECT id FROM series WHERE site = 'bench' AND device = @device AND field = 'pressure') AND ts >= @from AND ts < @to GROUP BY t`);
    const r = reader.prepare(`SELECT hour - hour % @every AS t, total(sum) / sum(count), min(lo), max(hi), sum(count) FROM rollup_1h
      WHERE series = (SELECT id FROM series WHERE site = 'bench' AND device = @device AND field = 'pressure') AND hour >= @from AND hour < @to GROUP BY t`);
    return {
      store,
      bareWrite: async (points) => { many(points); },
      bareQuery: async (device, from, to, every) => q.all({ device, from, to, every: BigInt(every) }),
      bareRollup: async (device, from, to, every) => r.all({ device, from, to, every: BigInt(every) }),
      dispose: async () => { reader.close(); bare.close(); await store.close(); rmSync(dir, { recursive: true, force: true }); },
    };
  },
};

function influxBackend(base: string): Backend {
  return {
    name: 'influx',
    async open() {
      const db = `bench_${process.pid}_${++dbs}`;
      const store = await openInfluxHistory(`${base}/${db}`);
      const bareDb = `${db}_bare`;
      await fetch(`${base}/query?q=${encodeURIComponent(`CREATE DATABASE ${bareDb}`)}`, { method: 'POST' });
      return {
        store,
        // The baseline: the same points as line protocol POSTed straight to /write (the text is built inside the timing, as any writer must).
        bareWrite: async (points) => {
          const body = points.map((p) => `reading,site=${p.siteId},device=${p.deviceId} ${Object.entries(p.fields).map(([k, v]) => `${k}=${v}`).join(',')} ${p.ts}`).join('\n');
          const res = await fetch(`${base}/write?db=${bareDb}&precision=ms`, { method: 'POST', body });
          if (res.status !== 204) throw new Error(`bare write: ${res.status} ${await res.text()}`);
        },
        bareQuery: async (device, from, to, every) => {
          const q = `SELECT MEAN("pressure"), MIN("pressure"), MAX("pressure"), COUNT("pressure") FROM "reading" WHERE "site" = 'bench' AND "device" = '${device}' AND time >= ${from}ms AND time < ${to}ms GROUP BY time(${every}ms) fill(none)`;
          return (await fetch(`${base}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`)).json();
        },
        bareRollup: async (device, from, to, every) => {
          const q = every === HOUR
            ? `SELECT "sum_pressure", "count_pressure", "min_pressure", "max_pressure" FROM "rollup"."reading_1h" WHERE "site" = 'bench' AND "device" = '${device}' AND time >= ${from}ms AND time < ${to}ms`
            : `SELECT SUM("sum_pressure"), SUM("count_pressure"), MIN("min_pressure"), MAX("max_pressure") FROM "rollup"."reading_1h" WHERE "site" = 'bench' AND "device" = '${device}' AND time >= ${from}ms AND time < ${to}ms GROUP BY time(${every}ms) fill(none)`;
          return (await fetch(`${base}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`)).json();
        },
        dispose: async () => {
          await store.close();
          for (const d of [db, bareDb]) await fetch(`${base}/query?q=${encodeURIComponent(`DROP DATABASE ${d}`)}`, { method: 'POST' });
        },
      };
    },
  };
}

/** Points of `devices` wearables, round robin, two fields each (heart rate, SpO2). */
function wearablePoints(n: number, devices: number): ReadingPoint[] {
  return Array.from({ length: n }, (_, i) => ({ siteId: 'bench', deviceId: `d${i % devices}`, ts: T0 + Math.floor(i / devices) * 60_000, fields: { heart_rate: 60 + (i % 40), spo2: 95 + (i % 5) } }));
}

/**
 * Both writers into one fresh store each, their 10,000 devices' series made before the timing (one
 * point each, a day earlier), then batch by batch in turn, bare first on even batches and product
 * first on odd ones: both see the same moments of a noisy machine. Points/s are medians of the batches.
 */
async function writeRate(backend: Backend, n = 200_000, batch = 5000) {
  const points = wearablePoints(n, 10_000);
  const batches = Array.from({ length: Math.ceil(n / batch) }, (_, i) => points.slice(i * batch, (i + 1) * batch));
  const t = await backend.open();
  try {
    const early = wearablePoints(10_000, 10_000).map((p) => ({ ...p, ts: p.ts - DAY }));
    for (let i = 0; i < early.length; i += batch) {
      await t.bareWrite(early.slice(i, i + batch));
      await t.store.write({ readings: early.slice(i, i + batch), status: [] });
    }
    await t.store.flush();
    const product: number[] = [];
    const bare: number[] = [];
    const timed = async (write: () => Promise<void>, into: number[], size: number) => {
      const t0 = performance.now();
      await write();
      into.push(size / ((performance.now() - t0) / 1000));
    };
    for (const [i, b] of batches.entries()) {
      const p = () => timed(() => t.store.write({ readings: b, status: [] }), product, b.length);
      const q = () => timed(() => t.bareWrite(b), bare, b.length);
      if (i % 2 === 0) { await q(); await p(); } else { await p(); await q(); }
    }
    // InfluxDB's roll-ups are computed after the writes (embedded: inside them, by trigger): their cost, once for all.
    const t0 = performance.now();
    await t.store.flush();
    const rollUpMs = Math.round(performance.now() - t0);
    return { points: n, batch, pointsPerSec: Math.round(median(product)), barePointsPerSec: Math.round(median(bare)), ratio: Math.round((median(product) / median(bare)) * 100) / 100, rollUpMs };
  } finally {
    await t.dispose();
  }
}

/** 10,000 devices with a month each (daily), 10 of them dense (every 5 min): query one dense device's 30 days by the hour. */
async function queryP99(backend: Backend, queries = 200) {
  const t = await backend.open();
  try {
    const sparse: ReadingPoint[] = [];
    for (let d = 0; d < 10_000; d++) for (let day = 0; day < 30; day++) sparse.push({ siteId: 'bench', deviceId: `d${d}`, ts: T0 + day * DAY + d, fields: { temperature: 20 + (d % 5) } });
    const dense: ReadingPoint[] = [];
    for (let d = 0; d < 10; d++) for (let i = 0; i < 30 * 288; i++) dense.push({ siteId: 'bench', deviceId: `d${d}`, ts: T0 + i * 300_000, fields: { pressure: 300 + (i % 50) } });
    const all = [...sparse, ...dense];
    for (let i = 0; i < all.length; i += 5000) await t.store.write({ readings: all.slice(i, i + 5000), status: [] });
    let t0 = performance.now();
    await t.store.flush();
    const rollUpMs = Math.round(performance.now() - t0);
    const from = T0;
    const to = T0 + 30 * DAY;
    const range = (device: string) => ({ siteId: 'bench', deviceId: device, from, to, fields: ['pressure'] });
    // What the readings API runs for a 30-day range by the hour (HistoryService.buckets): the roll-ups.
    const kinds = {
      product: (d: string) => t.store.rolledUp(range(d), HOUR),
      fromPoints: (d: string) => t.store.downsample(range(d), HOUR),
      bareRollup: (d: string) => t.bareRollup(d, from, to, HOUR),
      bare: (d: string) => t.bareQuery(d, from, to, HOUR),
    };
    const took: Record<keyof typeof kinds, number[]> = { product: [], fromPoints: [], bareRollup: [], bare: [] };
    const order = Object.keys(kinds) as Array<keyof typeof kinds>;
    for (let i = -20; i < queries; i++) {
      const device = `d${(i + 20) % 10}`;
      // In turn, each kind first as often as the others.
      for (let k = 0; k < order.length; k++) {
        const kind = order[(k + Math.max(i, 0)) % order.length]!;
        // The way the product no longer takes for this query (the points), one round in four.
        if ((kind === 'fromPoints' || kind === 'bare') && i % 4 !== 0) continue;
        t0 = performance.now();
        const s = await kinds[kind](device);
        if (i >= 0) took[kind].push(performance.now() - t0);
        if ((kind === 'product' || kind === 'fromPoints') && (s as FieldSeries[])[0]?.points.length !== 720) throw new Error(`${kind}: expected 720 hourly buckets, got ${(s as FieldSeries[])[0]?.points.length}`);
      }
    }
    const p = (xs: number[]) => ({ p50: r1(median(xs)), p99: r1(pct(xs, 99)) });
    return {
      devicesStored: 10_000, pointsStored: all.length, queries, buckets: 720, rollUpMs,
      p50Ms: p(took.product).p50, p99Ms: p(took.product).p99, bareRollupP50Ms: p(took.bareRollup).p50, bareRollupP99Ms: p(took.bareRollup).p99,
      fromPointsP50Ms: p(took.fromPoints).p50, fromPointsP99Ms: p(took.fromPoints).p99, bareP50Ms: p(took.bare).p50, bareP99Ms: p(took.bare).p99,
    };
  } finally {
    await t.dispose();
  }
}

/** A care home like the coverage tests' one: 2 bedrooms, kitchen, corridor; 6 devices. */
function careHome(siteId: string): SiteFileInput {
  const dev = (id: string, profile: string, roomId: string) => ({ id, profile, roomId, transport: 'mqtt' as const, mqttUsername: `${siteId}.${id}` });
  return {
    site: { id: siteId, name: siteId, kind: 'institution', timezone: 'Asia/Shanghai', region: { city: 'C', district: 'D', street: 'S', community: 'K' } },
    buildings: [{ id: 'b', name: 'B', floors: [{ id: 'f', name: 'F', level: 1, rooms: [
      { id: 'r1', name: '101', type: 'bedroom' }, { id: 'r2', name: '102', type: 'bedroom' }, { id: 'k', name: 'K', type: 'kitchen' }, { id: 'c', name: 'C', type: 'corridor' },
    ] }] }],
    devices: [dev('sd1', 'smoke-detector', 'r1'), dev('fs1', 'sprinkler-flow-switch', 'r1'), dev('sd2', 'smoke-detector', 'r2'), dev('fs2', 'sprinkler-flow-switch', 'r2'), dev('hd', 'heat-detector', 'k'), dev('sdc', 'smoke-detector', 'c')],
  };
}

/** The region roll-up of 1,000 sites at a past moment, through the API, against the history query it needs alone. */
async function coverage1000(influxUrl: string | undefined, sites = 1000) {
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-bench-coverage-'));
  const token = 'bench-admin-token-0123456789abcdef';
  const app = await buildServer({
    dataDir: dir, influxUrl, passwordCost: { ln: 10, r: 8, p: 1 },
    provisioning: { users: [{ username: 'bench', role: 'admin', sites: [], tokenHash: hashSecret(token) }], gateways: [{ gatewayId: 'gw', sites: [], tokenHash: hashSecret('gw-token-0123456789abcdef') }] },
  });
  try {
    const actor = { name: 'bench', from: null };
    for (const [id, parentId, level, name] of [['c', null, 'city', 'C'], ['d', 'c', 'district', 'D'], ['s', 'd', 'street', 'S'], ['k', 's', 'community', 'K']] as const) {
      await app.regions.put(actor, { id, parentId, level, name }, () => undefined);
    }
    const ids = Array.from({ length: sites }, (_, i) => `site-${String(i).padStart(4, '0')}`);
    for (const id of ids) await app.sites.putSite(actor, { siteId: id, gatewayId: 'gw', document: careHome(id) }, () => undefined);
    // A month of daily status per device; every tenth site's detectors never tested, every seventh's kitchen battery low.
    const status = [];
    for (const [n, id] of ids.entries()) {
      for (const d of ['sd1', 'fs1', 'sd2', 'fs2', 'hd', 'sdc']) {
        for (let day = 0; day < 30; day++) status.push({ siteId: id, deviceId: d, ts: T0 + day * DAY + n, fields: { seen: true, online: true, battery: d === 'hd' && n % 7 === 0 ? 10 : 90 } });
        if (n % 10 !== 0 && d.startsWith('sd')) status.push({ siteId: id, deviceId: d, ts: T0 + 10 * DAY + n, fields: { self_test: true } });
      }
    }
    for (let i = 0; i < status.length; i += 5000) await app.history.store.write({ readings: [], status: status.slice(i, i + 5000) });
    // The daily snapshots are made before the timing (the server's periodic job does it as status arrives).
    let t0 = performance.now();
    await app.history.store.flush();
    const snapshotMs = Math.round(performance.now() - t0);
    // Noon of the last day: the snapshot of that midnight plus half a day of points.
    const at = T0 + 29 * DAY + 12 * HOUR;
    const url = `${API_PREFIX}/regions/c/coverage?at=${new Date(at).toISOString()}`;
    const product: number[] = [];
    const bare: number[] = [];
    let percent = 0;
    const viaApi = async () => {
      const t1 = performance.now();
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const took = performance.now() - t1;
      if (res.statusCode !== 200) throw new Error(`coverage: ${res.statusCode} ${res.body.slice(0, 200)}`);
      const body = res.json() as { sites: unknown[]; percent: number };
      if (body.sites.length !== sites) throw new Error(`coverage listed ${body.sites.length} sites`);
      percent = body.percent;
      return took;
    };
    const alone = async () => {
      t0 = performance.now();
      await app.history.store.statusAt(ids, at);
      return performance.now() - t0;
    };
    for (let run = 0; run < 2 * RUNS + 1; run++) {
      // In turn, the product first on even runs; the first run warms up.
      const [a, b] = run % 2 === 0 ? [await viaApi(), await alone()] : [await alone(), await viaApi()].reverse() as [number, number];
      if (run > 0) { product.push(a); bare.push(b); }
    }
    return { sites, devices: sites * 6, statusPoints: status.length, at: new Date(at).toISOString(), snapshotMs, ms: Math.round(median(product)), historyQueryMs: Math.round(median(bare)), percent };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each part's time on stderr, so a slow section says where its minutes go. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await run();
  process.stderr.write(`  history ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return result;
}

const out: Record<string, unknown> = {};
out.embedded = {
  write: await step('embedded write', () => writeRate(embedded)),
  query: await step('embedded query', () => queryP99(embedded)),
  coverage: await step('embedded coverage', () => coverage1000(undefined)),
};
if (influxBase) {
  const influx = influxBackend(influxBase);
  out.influx = {
    write: await step('influx write', () => writeRate(influx)),
    query: await step('influx query', () => queryP99(influx)),
    coverage: await step('influx coverage', () => coverage1000(`${influxBase}/bench_coverage_${process.pid}`)),
  };
}
process.stdout.write(JSON.stringify(out));
