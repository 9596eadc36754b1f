import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_DB_FILE } from '../../server/services/store/sqlite-store.ts';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';
import { writeBurstSite } from '../helpers/burst-site.ts';
import { ResendingSmokeDetector, sleep, transitions, waitFor } from '../helpers/e2e-devices.ts';
import { gatewayStatus, outboxTotal } from '../helpers/e2e-server.ts';
import { StallProxy } from '../helpers/stall-proxy.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 15, "Must show": real `carewatch server` and `carewatch gateway` processes, killed with
// SIGKILL by pid; the gateway reaches the server through a TCP proxy in this test that can stall
// the link. 200 water-leak sensors (alarm lane) and three smoke detectors (life-safety lane) publish
// over MQTT with QoS 1, one message at a time, resending what was not acknowledged (as firmware
// does). After each failure: every acknowledged change is stored exactly once, and in each
// device's order.
const SITE = 'burst';
const SENSORS = 200;

interface ServerRow { id: string; kind: string; action: string; deviceId: string | null; seq: number; receivedAt: number }

describe('delivery under failure: nothing lost, nothing doubled, each device in order', () => {
  const siteDir = tempDir('carewatch-burst-site-');
  let stack: ProcessStack;
  let proxy: StallProxy;
  let sensors: ResendingSmokeDetector[];
  let smoke: ResendingSmokeDetector[];

  beforeAll(async () => {
    const siteFile = writeBurstSite(siteDir.path, SITE, SENSORS, 3);
    proxy = new StallProxy(() => ({ host: '127.0.0.1', port: stack.ports.server }));
    await proxy.start();
    stack = new ProcessStack({ siteFiles: [siteFile], gatewayServerUrl: () => proxy.url });
    await stack.start();
    const device = (deviceId: string, field: 'smoke' | 'water_leak') => {
      const d = stack.creds.devices.find((c) => c.deviceId === deviceId)!;
      return new ResendingSmokeDetector({ ...stack.mqttBroker, username: d.mqttUsername!, password: d.mqttPassword!, siteId: SITE, deviceId, field, ackTimeoutMs: 3000 });
    };
    sensors = Array.from({ length: SENSORS }, (_, i) => device(`leak-${String(i + 1).padStart(3, '0')}`, 'water_leak'));
    smoke = [device('smoke-001', 'smoke'), device('smoke-002', 'smoke'), device('smoke-003', 'smoke')];
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...(sensors ?? []), ...(smoke ?? [])].map((d) => d.close()));
    await stack?.stop();
    await proxy?.stop();
    siteDir.remove();
  });

  /** The events the server stored, read from its database file beside it (WAL lets a reader in). */
  function stored(kind: string): ServerRow[] {
    const db = new Database(join(stack.dataDir, 'server', SERVER_DB_FILE), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(`SELECT id, kind, action, device_id AS deviceId, seq, received_at AS receivedAt FROM events
        WHERE site_id = ? AND kind = ? ORDER BY received_at, seq`).all(SITE, kind) as ServerRow[];
    } finally {
      db.close();
    }
  }

  /** How many events of a kind the server stored (cheap enough to poll). */
  function count(kind: string): number {
    const db = new Database(join(stack.dataDir, 'server', SERVER_DB_FILE), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM events WHERE site_id = ? AND kind = ?').get(SITE, kind) as { n: number }).n;
    } finally {
      db.close();
    }
  }

  /** Events the server was sent again and kept once (its `carewatch_ingest_events_total{result="duplicate"}`). */
  async function serverDuplicates(): Promise<number> {
    const text = await (await fetch(`${stack.serverUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('carewatch_ingest_events_total{result="duplicate"}'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  const acknowledged = () => sensors.reduce((n, d) => n + d.acked.length, 0);
  const drained = () => waitFor('the gateway outbox to drain to the server', async () => {
    const s = await gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders).catch(() => undefined); // a late answer: ask again
    return s !== undefined && outboxTotal(s) === 0;
  }, 90_000, 50);

  /** Every device: the server holds exactly its acknowledged changes, once each, in its order. */
  function expectExactlyOnceInOrder(devices: ResendingSmokeDetector[], kind: string): void {
    const rows = stored(kind);
    expect(new Set(rows.map((r) => r.id)).size, 'distinct event ids').toBe(rows.length);
    const lost: string[] = [];
    for (const d of devices) {
      const mine = rows.filter((r) => r.deviceId === d.deviceId); // in the order the server stored them
      const expected = transitions(d.acked);
      const actions = Array.from({ length: expected }, (_, i) => (i % 2 === 0 ? 'raise' : 'clear'));
      if (mine.length !== expected) lost.push(`${d.deviceId}: ${mine.length} stored of ${expected}`);
      expect(mine.map((r) => r.action), `events of ${d.deviceId}`).toEqual(actions);
      // Per-device order: stored in the order the gateway numbered them (its per-subject seq).
      const seqs = mine.map((r) => r.seq);
      expect(seqs, `order of ${d.deviceId}`).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size, `distinct seqs of ${d.deviceId}`).toBe(seqs.length);
    }
    expect(lost).toEqual([]);
  }

  /** `toggles` changes from each of the first `count` sensors (all by default). */
  function burst(toggles: number, opts: { gapMs?: number; deadlineMs?: number; count?: number } = {}): Promise<void[]> {
    // Generous: the bound is functional (every change acknowledged), the machine may be shared.
    const deadline = Date.now() + (opts.deadlineMs ?? 100_000);
    const runs = sensors.slice(0, opts.count).map((d) => d.toggle(toggles, { deadline, ...(opts.gapMs ? { gapMs: opts.gapMs } : {}) }));
    runs.forEach((r) => r.catch(() => undefined)); // awaited by the caller; no unhandled rejection meanwhile
    return Promise.all(runs);
  }

  /**
   * Every sensor reports a change every `everyMs` (the i-th starting i × 10 ms late) until
   * `untilMs` (epoch): devices reporting through an outage of a given length.
   */
  function reportUntil(untilMs: number, everyMs: number): Promise<void[]> {
    const deadline = untilMs + 60_000;
    const runs = sensors.map(async (d, i) => {
      await sleep(i * 10);
      while (Date.now() < untilMs) await d.toggle(1, { deadline, gapMs: everyMs });
    });
    runs.forEach((r) => r.catch(() => undefined)); // awaited by the caller; no unhandled rejection meanwhile
    return Promise.all(runs);
  }

  it('kill -9 of the gateway mid-burst (1,000 alarms from 200 devices)', async () => {
    const before = acknowledged();
    const run = burst(5, { gapMs: 5 });
    await waitFor('a third of the burst acknowledged', () => acknowledged() - before >= 330, 90_000, 5);
    await stack.kill9('gateway');
    await stack.startGateway();
    await run;
    expect(acknowledged() - before).toBe(1000);
    await drained();
    expectExactlyOnceInOrder(sensors, 'water.leak');
    expect(stored('water.leak')).toHaveLength(1000);
  }, 240_000);

  it('kill -9 of the server mid-ingest', async () => {
    const before = stored('water.leak').length;
    const run = burst(4, { gapMs: 5, count: 100 });
    await waitFor('the server storing the burst', () => stored('water.leak').length - before >= 100, 90_000, 10);
    await stack.kill9('server');
    await run; // the gateway keeps acknowledging: the outbox holds what the server cannot take
    await stack.startServer();
    await drained();
    expectExactlyOnceInOrder(sensors, 'water.leak');
  }, 240_000);

  it('the server down 60 s while devices keep reporting: a fire raised as it returns is stored within 1 s, one raised during the drain overtakes the backlog; nothing lost, nothing doubled, each device in order', async () => {
    const OUTAGE_MS = 60_000;
    await stack.kill9('server');
    const downAt = Date.now();
    // The devices report through the whole outage: each of the 200 sensors changes every ~2 s
    // (up to 100 changes a second), each change acknowledged into the gateway's outbox.
    const queued = (await gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders)).outbox.alarm ?? 0;
    const ackedBefore = acknowledged();
    await reportUntil(downAt + OUTAGE_MS - 2000, 2000);
    const waited = await gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders);
    // Each acknowledged change is an event waiting in the outbox.
    expect(acknowledged() - ackedBefore, 'changes acknowledged during the outage (at least one per sensor every 6 s)').toBeGreaterThanOrEqual(SENSORS * 10);
    expect((waited.outbox.alarm ?? 0) - queued).toBeGreaterThanOrEqual(acknowledged() - ackedBefore);
    // The detectors that raise fires on return and in the drain are online meanwhile (their connections are not what is timed).
    await Promise.all(smoke.map((d) => d.connect(Date.now() + 60_000)));
    // The outage lasts its 60 s (the scenario's length: the forwarder's backoff is at its longest by then).
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));

    await stack.startServer();
    const returnedAt = Date.now();
    const backlogStart = count('water.leak');
    await smoke[0]!.toggle(1, { deadline: Date.now() + 30_000 });
    await waitFor('the fire raised on return stored', () => stored('fire.smoke').some((r) => r.deviceId === 'smoke-001'), 10_000, 5);
    const onReturnMs = Date.now() - returnedAt;

    // A second fire as soon as the backlog starts arriving.
    await waitFor('the backlog draining', () => count('water.leak') > backlogStart, 30_000, 2);
    await smoke[1]!.toggle(1, { deadline: Date.now() + 30_000 });
    await drained();
    const fireInDrain = stored('fire.smoke').find((r) => r.deviceId === 'smoke-002')!;
    const lastOfBacklog = stored('water.leak').at(-1)!;

    expect(onReturnMs, 'ms from the server back to the fire raised then stored there').toBeLessThan(1000);
    expect(fireInDrain.receivedAt, 'fire stored before the backlog ended').toBeLessThan(lastOfBacklog.receivedAt);
    expectExactlyOnceInOrder(sensors, 'water.leak');
    expectExactlyOnceInOrder(smoke, 'fire.smoke');
  }, 300_000);

  it('a TCP proxy stalling the link 30 s while devices report: a fire raised meanwhile waits at the gateway and arrives once the link moves; nothing lost, nothing doubled, each device in order', async () => {
    const STALL_MS = 30_000;
    const before = await gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders);
    const duplicatesBefore = await serverDuplicates();
    proxy.stall();
    const stalledAt = Date.now();
    // Devices report through the stall (200 sensors, a change every ~2.5 s each), and a fire.
    const run = reportUntil(stalledAt + STALL_MS - 5000, 2500);
    await smoke[2]!.toggle(1, { deadline: Date.now() + 30_000 });
    // The gateway's sends get no answer: the first times out (10 s) and the fire is still waiting in its outbox.
    await waitFor('a send timed out, the fire still waiting at the gateway', async () => {
      // The gateway, busy with 200 devices, may answer one poll late: the next one asks again.
      const s = await gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders).catch(() => undefined);
      return s !== undefined && s.forwarder!.failures > before.forwarder!.failures && (s.outbox.life_safety ?? 0) >= 1;
    }, 30_000, 100);
    await run;
    await sleep(Math.max(0, STALL_MS - (Date.now() - stalledAt)));
    proxy.resume();

    await waitFor('the fire raised during the stall stored', () => stored('fire.smoke').some((r) => r.deviceId === 'smoke-003'), 30_000, 20);
    await drained();
    // Requests the gateway gave up on reached the server late, beside their retries: kept once each.
    expect(await serverDuplicates(), 'events the server received again').toBeGreaterThan(duplicatesBefore);
    expectExactlyOnceInOrder(sensors, 'water.leak');
    expectExactlyOnceInOrder(smoke, 'fire.smoke');
  }, 300_000);
});
