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
import type { HistoryStore, ReadingPoint } from './types.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const args = process.argv.slice(2);
const influxBase = args.includes('--influx') ? args[args.indexOf('--influx') + 1] : undefined;
const RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const r1 = (n: number) => Math.round(n * 10) / 10;
let dbs = 0;

interface Backend {
  name: 'embedded' | 'influx';
  open(): Promise<{ store: HistoryStore; dispose(): Promise<void>; bareWrite(points: ReadingPoint[]): Promise<void>; bareQuery(device: string, from: number, to: number, everyMs: number): Promise<unknown> }>;
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
    return {
      store,
      bareWrite: async (points) => { many(points); },
      bareQuery: async (device, from, to, every) => q.all({ device, from, to, every: BigInt(every) }),
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

async function writeRate(backend: Backend, n = 200_000, batch = 5000) {
  const points = wearablePoints(n, 10_000);
  const batches = Array.from({ length: Math.ceil(n / batch) }, (_, i) => points.slice(i * batch, (i + 1) * batch));
  const product: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t = await backend.open();
    try {
      let t0 = performance.now();
      for (const b of batches) await t.bareWrite(b);
      bare.push(n / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      for (const b of batches) await t.store.write({ readings: b, status: [] });
      product.push(n / ((performance.now() - t0) / 1000));
    } finally {
      await t.dispose();
    }
  }
  return { points: n, batch, pointsPerSec: Math.round(median(product)), barePointsPerSec: Math.round(median(bare)), ratio: Math.round((median(product) / median(bare)) * 100) / 100 };
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
    const from = T0;
    const to = T0 + 30 * DAY;
    const product: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 20; i++) { await t.store.downsample({ siteId: 'bench', deviceId: `d${i % 10}`, from, to, fields: ['pressure'] }, 3_600_000); await t.bareQuery(`d${i % 10}`, from, to, 3_600_000); }
    for (let i = 0; i < queries; i++) {
      const device = `d${i % 10}`;
      let t0 = performance.now();
      const s = await t.store.downsample({ siteId: 'bench', deviceId: device, from, to, fields: ['pressure'] }, 3_600_000);
      product.push(performance.now() - t0);
      if (s[0]?.points.length !== 720) throw new Error(`expected 720 hourly buckets, got ${s[0]?.points.length}`);
      t0 = performance.now();
      await t.bareQuery(device, from, to, 3_600_000);
      bare.push(performance.now() - t0);
    }
    return { devicesStored: 10_000, pointsStored: all.length, queries, buckets: 720, p50Ms: r1(median(product)), p99Ms: r1(pct(product, 99)), bareP50Ms: r1(median(bare)), bareP99Ms: r1(pct(bare, 99)) };
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
    const at = T0 + 30 * DAY;
    const url = `${API_PREFIX}/regions/c/coverage?at=${new Date(at).toISOString()}`;
    const product: number[] = [];
    const bare: number[] = [];
    let percent = 0;
    for (let run = 0; run < RUNS + 1; run++) {
      let t0 = performance.now();
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const took = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`coverage: ${res.statusCode} ${res.body.slice(0, 200)}`);
      const body = res.json() as { sites: unknown[]; percent: number };
      if (body.sites.length !== sites) throw new Error(`coverage listed ${body.sites.length} sites`);
      percent = body.percent;
      t0 = performance.now();
      await app.history.store.statusAt(ids, at);
      const tookBare = performance.now() - t0;
      if (run > 0) { product.push(took); bare.push(tookBare); } // the first run warms up
    }
    return { sites, devices: sites * 6, statusPoints: status.length, ms: Math.round(median(product)), historyQueryMs: Math.round(median(bare)), percent };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const out: Record<string, unknown> = {};
out.embedded = { write: await writeRate(embedded), query: await queryP99(embedded), coverage: await coverage1000(undefined) };
if (influxBase) {
  const influx = influxBackend(influxBase);
  out.influx = { write: await writeRate(influx), query: await queryP99(influx), coverage: await coverage1000(`${influxBase}/bench_coverage_${process.pid}`) };
}
process.stdout.write(JSON.stringify(out));
