import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';
import { type ResendingSmokeDetector, transitions, waitFor } from '../helpers/e2e-devices.ts';
import { smokeDetectors } from '../helpers/exactly-once.ts';
import { ServerView, gatewayStatus, outboxTotal } from '../helpers/e2e-server.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { Postgres } from '../helpers/postgres.ts';
import { DEMO_SITE } from '../helpers/stack.ts';

// Issue 22: the real `carewatch server --store postgres://…` process, fed by a real gateway
// process, killed with SIGKILL mid-stream: every event the gateway had acknowledged is stored
// once in PostgreSQL (its rows are the ground truth), and each alarm moved once per event.
describe('carewatch server --store postgres://… with a real gateway', () => {
  const SITE = 'demo';
  let postgres: Postgres;
  let url: string;
  let stack: ProcessStack;
  let view: ServerView;
  let detectors: ResendingSmokeDetector[];

  beforeAll(async () => {
    postgres = await startPostgres({ durable: false });
    url = await postgres.createDatabase('server_e2e');
    stack = new ProcessStack({ siteFiles: [DEMO_SITE], serverArgs: ['--store', url] });
    await stack.start();
    view = new ServerView(stack.serverUrl, stack.creds.users.find((u) => u.username === 'admin')!.token);
    detectors = smokeDetectors(stack, SITE).slice(0, 6);
  }, 90_000);

  afterAll(async () => {
    await Promise.all((detectors ?? []).map((d) => d.close()));
    await stack?.stop();
    await postgres?.stop();
  });

  async function storedSmokeEvents(): Promise<Array<{ id: string; device_id: string; action: string; seq: number }>> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query("SELECT id, device_id, action, seq FROM events WHERE site_id = $1 AND kind = 'fire.smoke' ORDER BY device_id, seq", [SITE])).rows;
    } finally {
      await client.end();
    }
  }

  it('stores the data in PostgreSQL, not in the data folder', async () => {
    const res = await fetch(`${stack.serverUrl}/metrics`);
    expect(res.status).toBe(200);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${stack.dataDir}/server/server.db`)).toBe(false);
  });

  it('keeps every acknowledged event once through a server killed with SIGKILL mid-stream', async () => {
    const TOGGLES = 12;
    const deadline = Date.now() + 60_000;
    const runs = detectors.map((d) => d.toggle(TOGGLES, { gapMs: 20, deadline }));
    runs.forEach((r) => r.catch(() => undefined)); // awaited below
    await waitFor('a third of the changes acknowledged by the gateway', () => detectors.reduce((n, d) => n + d.acked.length, 0) >= (detectors.length * TOGGLES) / 3, 20_000, 5);
    await stack.kill9('server');
    await stack.startServer();
    await Promise.all(runs);
    await waitFor('the gateway outbox to drain into the restarted server', async () => outboxTotal(await gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders)) === 0, 30_000, 100);

    const events = await storedSmokeEvents();
    const log = await view.changeLog();
    for (const d of detectors) {
      const expected = transitions(d.acked);
      const mine = events.filter((e) => e.device_id === d.deviceId);
      expect(mine.map((e) => e.action), `events of ${d.deviceId}`).toEqual(Array.from({ length: expected }, (_, i) => (i % 2 === 0 ? 'raise' : 'clear')));
      const alarms = await view.alarmsOf(SITE, { deviceId: d.deviceId, kind: 'fire.smoke' });
      expect(alarms, `alarms of ${d.deviceId}`).toHaveLength(1);
      expect(alarms[0]).toMatchObject({ count: Math.ceil(expected / 2) });
      const changes = log.filter((c) => c.alarm.id === alarms[0]!.id && c.change !== 'escalated').map((c) => c.change);
      expect(changes, `changes of ${d.deviceId}`).toEqual(Array.from({ length: expected }, (_, i) => (i % 2 === 0 ? 'raised' : 'cleared')));
    }
    // Change ids replay without repeats: what a console resuming with Last-Event-ID reads. (They
    // are sealed, issue 16, so their order is the stream's; test/server/stream.test.ts checks it
    // against the store's ids.)
    const ids = log.map((c) => c.changeId);
    expect(new Set(ids).size).toBe(ids.length);
  }, 120_000);
});
