// Issue 22's store figures: the real `carewatch server` process on PostgreSQL 15 (fsync on, as in
// production) beside the same server on its embedded store (SQLite WAL, synchronous=FULL), both
// running in the same run on the same machine, requests interleaved between them so that noise on
// the shared cores falls on both alike. Ingest: events/s over HTTP in batches; alarm: the time for
// a gateway's single-alarm ingest to be answered (stored durably, alarm raised, audited).
import { performance } from 'node:perf_hooks';
import { API_PREFIX, type EventInput, laneFor } from '../../contract/index.ts';
import { demoSiteFiles } from '../demo/cli.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import { startPostgres } from '../stack/postgres.ts';
import { percentile, round } from './stats.ts';

export interface StoreFigures {
  ingestPerSec: number;
  alarmP50Ms: number;
  alarmP99Ms: number;
}

export interface PostgresStoreResult {
  events: number;
  batch: number;
  alarms: number;
  embedded: StoreFigures;
  postgres: StoreFigures;
}

const BATCH = 500;

function events(siteId: string, n: number, runId: string, tag: string): EventInput[] {
  const now = Date.now();
  // Raise and clear call alarms on distinct devices: each event moves an alarm and writes an audit record.
  return Array.from({ length: n }, (_, i) => {
    const device = Math.floor(i / 2);
    const action = i % 2 === 0 ? 'raise' : 'clear';
    return {
      id: `bench-pg-${runId}-${tag}-${i}`, siteId, kind: 'call.button', action, severity: 'major', lane: laneFor('major', action),
      subject: `device:${tag}-${device}`, deviceId: `${tag}-${device}`, ts: now + i, createdAt: now + i, seq: i % 2 + 1, count: 1,
    } satisfies EventInput;
  });
}

export async function benchPostgresStore(total = 20_000, alarms = 500): Promise<PostgresStoreResult> {
  const runId = Math.random().toString(36).slice(2, 8);
  const postgres = await startPostgres({ durable: true });
  const stacks = {
    embedded: new ProcessStack({ siteFiles: demoSiteFiles().slice(0, 1) }),
    postgres: new ProcessStack({ siteFiles: demoSiteFiles().slice(0, 1), serverArgs: ['--store', await postgres.createDatabase('bench')] }),
  };
  try {
    await stacks.embedded.startServerAlone();
    await stacks.postgres.startServerAlone();
    const kinds = ['embedded', 'postgres'] as const;
    const post = async (stack: ProcessStack, batch: EventInput[]): Promise<void> => {
      const gateway = stack.creds.gateways[0]!;
      const res = await fetch(`${stack.serverUrl}${API_PREFIX}/ingest`, {
        method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ gatewayId: 'gw-demo', events: batch }),
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    const siteId = stacks.embedded.creds.gateways[0]!.siteId;
    const load = Object.fromEntries(kinds.map((k) => [k, events(siteId, total, runId, `i${k[0]}`)])) as Record<typeof kinds[number], EventInput[]>;
    const spent = { embedded: 0, postgres: 0 };
    // The first 10 batches of each warm up (JIT, caches, prepared statements) and are not timed.
    const warm = 10 * BATCH;
    for (let i = 0; i < total; i += BATCH) {
      for (const k of kinds) {
        const t0 = performance.now();
        await post(stacks[k], load[k].slice(i, i + BATCH));
        if (i >= warm) spent[k] += performance.now() - t0;
      }
    }
    const single = Object.fromEntries(kinds.map((k) => [k, events(siteId, alarms * 2, runId, `a${k[0]}`).filter((e) => e.action === 'raise')])) as Record<typeof kinds[number], EventInput[]>;
    const latency = { embedded: [] as number[], postgres: [] as number[] };
    for (let i = 0; i < alarms; i += 1) {
      for (const k of kinds) {
        const t0 = performance.now();
        await post(stacks[k], [single[k][i]!]);
        if (i >= 50) latency[k].push(performance.now() - t0);
      }
    }
    const figures = (k: typeof kinds[number]): StoreFigures => ({
      ingestPerSec: Math.round((total - warm) / (spent[k] / 1000)),
      alarmP50Ms: round(percentile(latency[k], 50)),
      alarmP99Ms: round(percentile(latency[k], 99)),
    });
    return { events: total, batch: BATCH, alarms: alarms - 50, embedded: figures('embedded'), postgres: figures('postgres') };
  } finally {
    await Promise.all([stacks.embedded.stop(), stacks.postgres.stop()]);
    await postgres.stop();
  }
}
