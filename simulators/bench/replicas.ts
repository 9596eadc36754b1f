// Issue 22's scale-out figure: ingest into one `carewatch server` replica against three behind
// round-robin, all three real processes on one PostgreSQL 15 (fsync on) and one nats-server, in
// the same run. Rounds alternate between the two ways of posting, so noise on the shared cores
// falls on both alike; each figure is the median of its rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { API_PREFIX, type EventInput, laneFor } from '../../contract/index.ts';
import { demoSiteFiles } from '../demo/cli.ts';
import { freePort } from '../stack/free-port.ts';
import { startNatsServer } from '../stack/nats-server.ts';
import { startPostgres } from '../stack/postgres.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import { percentile } from './stats.ts';

export interface ReplicasResult {
  rounds: number;
  eventsPerRound: number;
  batch: number;
  /** Requests in flight at once (a load balancer's connections). */
  concurrency: number;
  /** Median events/s over the rounds. */
  oneReplicaPerSec: number;
  threeReplicasPerSec: number;
  oneRounds: number[];
  threeRounds: number[];
}

const BATCH = 100;
const CONCURRENCY = 6;

export async function benchReplicas(rounds = 4, eventsPerRound = 3_000): Promise<ReplicasResult> {
  const runId = Math.random().toString(36).slice(2, 8);
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-bench-replicas-'));
  const postgres = await startPostgres({ durable: true });
  const nats = await startNatsServer(join(dir, 'nats'));
  const serverArgs = ['--store', await postgres.createDatabase('bench'), '--bus', nats.url];
  // One data folder for the three: the demo's provisioning and the data key they must share.
  const stacks = [0, 1, 2].map(() => new ProcessStack({ siteFiles: demoSiteFiles().slice(0, 1), dataDir: join(dir, 'stack'), serverArgs }));
  try {
    const [first, ...others] = stacks as [ProcessStack, ProcessStack, ProcessStack];
    await first.startServerAlone(); // provisions, then writes the schema and the first administrator
    await Promise.all(others.map(async (s) => {
      s.ports.server = await freePort();
      s.creds = first.creds;
      await s.startServer();
    }));
    const gateway = first.creds.gateways[0]!;
    let n = 0;
    const batches = (tag: string): EventInput[][] => {
      const now = Date.now();
      const out: EventInput[][] = [];
      for (let i = 0; i < eventsPerRound; i += BATCH) {
        out.push(Array.from({ length: BATCH }, (_, j) => {
          // Raise and clear call alarms on distinct devices: each event moves an alarm and writes an audit record.
          const k = n++;
          const action = k % 2 === 0 ? 'raise' : 'clear';
          const device = `${tag}-${Math.floor(k / 2)}`;
          return {
            id: `bench-rep-${runId}-${k}`, siteId: gateway.siteId, kind: 'call.button', action, severity: 'major', lane: laneFor('major', action),
            subject: `device:${device}`, deviceId: device, ts: now + i + j, createdAt: now + i + j, seq: k % 2 + 1, count: 1,
          } satisfies EventInput;
        }));
      }
      return out;
    };
    const post = async (base: string, batch: EventInput[]): Promise<void> => {
      const res = await fetch(`${base}${API_PREFIX}/ingest`, {
        method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ gatewayId: 'gw-demo', events: batch }),
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    /** Events/s of one round: CONCURRENCY posters taking batches in turn, each to the next target. */
    const round = async (targets: string[], tag: string): Promise<number> => {
      const queue = batches(tag);
      let turn = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        for (let b = queue.shift(); b; b = queue.shift()) await post(targets[turn++ % targets.length]!, b);
      }));
      return eventsPerRound / ((performance.now() - t0) / 1000);
    };
    const one = [first.serverUrl];
    const three = stacks.map((s) => s.serverUrl);
    // Warm-up, the same for both: JIT, caches, prepared statements on every replica.
    await round(three, 'w');
    await round(one, 'w1');
    const oneRounds: number[] = [];
    const threeRounds: number[] = [];
    for (let r = 0; r < rounds; r++) {
      oneRounds.push(Math.round(await round(one, `o${r}`)));
      threeRounds.push(Math.round(await round(three, `t${r}`)));
    }
    return {
      rounds, eventsPerRound, batch: BATCH, concurrency: CONCURRENCY,
      oneReplicaPerSec: Math.round(percentile(oneRounds, 50)), threeReplicasPerSec: Math.round(percentile(threeRounds, 50)),
      oneRounds, threeRounds,
    };
  } finally {
    await Promise.all(stacks.map((s) => s.stop()));
    await nats.stop();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
