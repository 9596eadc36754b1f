// Issue 18's server figures: ingest into the embedded store, and the alarm list a console opens
// with, with 100,000 alarms stored of which 1,000 are open (the rest resolved in one unit of work
// through the server's store, bulk-resolve.ts). The real `carewatch server` process on loopback; the client is this process. Baselines in the same run, warmed the same way: for ingest,
// the same event rows inserted by bare better-sqlite3 in transactions of the same size into a WAL
// file with the server's synchronous setting (what is left is HTTP, validation, scope, alarm
// bookkeeping and the audit chain); for the list, `GET /healthz` on the same connection (the HTTP
// round trip alone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { type Alarm, API_PREFIX, type AlarmListResponse, type EventInput, laneFor } from '../../contract/index.ts';
import { demoSiteFiles } from '../demo/cli.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import { resolveInBulk } from './bulk-resolve.ts';
import { percentile, round } from './stats.ts';

export interface ServerAlarmsResult {
  stored: number;
  open: number;
  events: number;
  batch: number;
  ingestPerSec: number;
  bareInsertPerSec: number;
  /** Seconds to resolve all but `open` of the stored alarms (one unit of work, bulk-resolve.ts). */
  setupS: number;
  listSamples: number;
  listP50Ms: number; listP99Ms: number;
  pageP50Ms: number; pageP99Ms: number;
  healthP50Ms: number; healthP99Ms: number;
}

const BATCH = 500;

/** Raise `stored` call-button alarms on distinct devices and clear all but `open` of them. */
function alarmEvents(siteId: string, stored: number, open: number, runId: string): EventInput[] {
  const events: EventInput[] = [];
  const now = Date.now();
  const event = (i: number, action: 'raise' | 'clear', seq: number): EventInput => ({
    id: `bench-list-${runId}-${i}-${action}`, siteId, kind: 'call.button', action, severity: 'major',
    lane: laneFor('major', action), subject: `device:bench-${i}`, deviceId: `bench-${i}`,
    ts: now - (stored - i) * 10 + (action === 'clear' ? 5 : 0), createdAt: now, seq, count: 1,
  });
  // Interleaved as a real day is: each alarm raised, then (for most) cleared a little later.
  for (let i = 0; i < stored; i += 1) {
    events.push(event(i, 'raise', 1));
    if (i >= open) events.push(event(i, 'clear', 2));
  }
  return events;
}

async function timed(n: number, fn: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

export async function benchServerAlarms(stored = 100_000, open = 1_000, listSamples = 1_000): Promise<ServerAlarmsResult> {
  const runId = Math.random().toString(36).slice(2, 8);
  const stack = new ProcessStack({ siteFiles: demoSiteFiles().slice(0, 1) });
  await stack.startServerAlone();
  const baselineDir = mkdtempSync(join(tmpdir(), 'carewatch-bench-sqlite-'));
  try {
    const gateway = stack.creds.gateways[0]!;
    const admin = stack.creds.users.find((u) => u.role === 'admin')!.token;
    const events = alarmEvents(gateway.siteId, stored, open, runId);
    const post = async (batch: EventInput[]): Promise<void> => {
      const res = await fetch(`${stack.serverUrl}${API_PREFIX}/ingest`, {
        method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ gatewayId: 'gw-demo', events: batch }),
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    // Warm-up for both: the first 10 batches are not timed (JIT, page cache, prepared statements).
    const warm = 10 * BATCH;
    for (let i = 0; i < warm; i += BATCH) await post(events.slice(i, i + BATCH));
    const t0 = performance.now();
    for (let i = warm; i < events.length; i += BATCH) await post(events.slice(i, i + BATCH));
    const ingestPerSec = (events.length - warm) / ((performance.now() - t0) / 1000);

    // Baseline: the bare driver, same rows (JSON bodies with an id key), same batch size, same pragmas.
    const db = new Database(join(baselineDir, 'bare.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL'); // as the server's store (sqlite-store.ts)
    db.exec('CREATE TABLE events (id TEXT PRIMARY KEY, site TEXT NOT NULL, body TEXT NOT NULL)');
    const insert = db.prepare('INSERT OR IGNORE INTO events (id, site, body) VALUES (?, ?, ?)');
    const tx = db.transaction((rows: EventInput[]) => { for (const e of rows) insert.run(e.id, e.siteId, JSON.stringify(e)); });
    for (let i = 0; i < warm; i += BATCH) tx(events.slice(i, i + BATCH));
    const b0 = performance.now();
    for (let i = warm; i < events.length; i += BATCH) tx(events.slice(i, i + BATCH));
    const bareInsertPerSec = (events.length - warm) / ((performance.now() - b0) / 1000);
    db.close();

    const get = async (path: string): Promise<unknown> => {
      const res = await fetch(`${stack.serverUrl}${path}`, { headers: { authorization: `Bearer ${admin}` } });
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      return res.json();
    };
    // Staff close all but `open` of them (ISA-18.2: a cleared alarm stays on the list until it is
    // handled), so 100,000 are stored and 1,000 still open. Through the API that was 99,000
    // requests, each its own transaction and fsync (minutes); the bench closes them in units of
    // 10,000 through the server's own store and lifecycle (bulk-resolve.ts), timed as `setupS`.
    const keep = (a: Alarm) => Number(a.deviceId?.slice('bench-'.length)) < open;
    const s0 = performance.now();
    const closed = await resolveInBulk(stack.serverDataDir, (a) => !keep(a));
    const setupS = round((performance.now() - s0) / 1000, 1);
    if (closed !== stored - open) throw new Error(`expected to close ${stored - open} alarms, closed ${closed}`);
    const first = await get(`${API_PREFIX}/alarms?status=active&limit=1000`) as AlarmListResponse;
    if (first.alarms.length !== open) throw new Error(`expected ${open} open alarms, the list holds ${first.alarms.length}`);
    // Interleaved so that noise on the 2 cores falls on all three alike; 50 warm-up rounds first.
    const rounds = async (n: number) => {
      const list: number[] = []; const page: number[] = []; const health: number[] = [];
      for (let i = 0; i < n; i += 1) {
        list.push(...await timed(1, async () => { await get(`${API_PREFIX}/alarms?status=active&limit=1000`); }));
        page.push(...await timed(1, async () => { await get(`${API_PREFIX}/alarms?status=all&limit=200`); }));
        health.push(...await timed(1, async () => { await get('/healthz'); }));
      }
      return { list, page, health };
    };
    await rounds(50);
    const r = await rounds(listSamples);
    return {
      stored, open, events: events.length, batch: BATCH,
      ingestPerSec: Math.round(ingestPerSec), bareInsertPerSec: Math.round(bareInsertPerSec), setupS,
      listSamples,
      listP50Ms: round(percentile(r.list, 50)), listP99Ms: round(percentile(r.list, 99)),
      pageP50Ms: round(percentile(r.page, 50)), pageP99Ms: round(percentile(r.page, 99)),
      healthP50Ms: round(percentile(r.health, 50)), healthP99Ms: round(percentile(r.health, 99)),
    };
  } finally {
    await stack.stop();
    rmSync(baselineDir, { recursive: true, force: true });
  }
}
