import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventDraft } from '../../gateway/core/kit/event-draft.ts';
import { Forwarder, type ForwarderOptions } from '../../gateway/forwarder/forwarder.ts';
import { SERVER_LINK_SUBJECT } from '../../gateway/forwarder/parked-trouble.ts';
import { Metrics } from '../../gateway/metrics.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { openGatewayDb } from '../../gateway/store/open-gateway-db.ts';
import { SqliteTroubleMemory } from '../../gateway/store/sqlite-trouble-memory.ts';
import { buildServer } from '../../server/app.ts';
import { waitFor } from '../helpers/e2e-devices.ts';
import { storedEvents } from '../helpers/e2e-server.ts';
import { TEST_PASSWORD_COST, makeProvisioning, tempDir } from '../server/helpers.ts';

// The forwarder against a real server on a loopback port (issue 15, defects 1 and 7): events the
// server refuses are parked and the lane moves on; a fire raised while the forwarder waits out a
// backoff is sent at once; a refusing server is logged as a refusal, not as an outage.
describe('forwarder', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A real server (gateway gw-a serves site-a and home-1), restartable on the same port and data. */
  async function realServer() {
    const dir = tempDir();
    const { provisioning, tokens } = makeProvisioning();
    let app: FastifyInstance | undefined;
    let port = 0;
    const server = {
      dir: dir.path,
      token: tokens['gw-a'],
      get url() { return `http://127.0.0.1:${port}`; },
      async start(extraSites: string[] = []) {
        const gateways = provisioning.gateways.map((g) => (g.gatewayId === 'gw-a' ? { ...g, sites: [...g.sites, ...extraSites] } : g));
        app = await buildServer({ dataDir: dir.path, provisioning: { ...provisioning, gateways }, passwordCost: TEST_PASSWORD_COST, logger: false });
        await app.listen({ host: '127.0.0.1', port });
        port = (app.server.address() as { port: number }).port;
      },
      async stop() { await app?.close(); app = undefined; },
      stored: (kind?: EventDraft['kind']) => storedEvents(dir.path, kind ? { kind } : {}),
    };
    await server.start();
    cleanups.push(() => dir.remove(), () => server.stop());
    return server;
  }

  function gateway(server: { url: string; token: string }, options: Partial<ForwarderOptions> = {}) {
    const dir = tempDir('carewatch-fwd-');
    const db = openGatewayDb(dir.path);
    const outbox = new SqliteOutbox({ db, clock: () => Date.now() });
    const metrics = new Metrics();
    const logs: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line)); } });
    const forwarder = new Forwarder({
      serverUrl: server.url, gatewayId: 'gw-a', token: server.token, outbox, troubleMemory: new SqliteTroubleMemory(db),
      log, metrics, reofferEveryMs: 0, ...options,
    });
    cleanups.push(() => dir.remove(), () => { db.close(); }, () => forwarder.stop());
    return { outbox, forwarder, metrics, logs, db };
  }

  let ts = Date.UTC(2026, 0, 1);
  const fire = (siteId: string, deviceId: string, action: 'raise' | 'clear' = 'raise'): EventDraft => ({
    siteId, kind: 'fire.smoke', action, severity: 'critical', subject: `device:${deviceId}`, deviceId, ts: ts++,
  });

  it('parks an event of a site the server does not serve, delivers the rest in order, and reports the trouble', async () => {
    const server = await realServer();
    const gw = gateway(server);
    // One life-safety lane: a served fire, a fire of a hot-added home the server does not know, more served fires.
    const first = gw.outbox.append(fire('site-a', 'smk-1'));
    const unknown = gw.outbox.append(fire('home-new', 'smk-9'));
    const after = [gw.outbox.append(fire('site-a', 'smk-1', 'clear')), gw.outbox.append(fire('site-a', 'smk-2')), gw.outbox.append(fire('home-1', 'smk-3'))];
    gw.forwarder.start();

    // The lane moved on past the refused event: everything else is stored, in order per device.
    await waitFor('the served fires stored', () => server.stored('fire.smoke').length === 4, 10_000, 20);
    const stored = server.stored('fire.smoke');
    expect(stored.map((e) => e.id).sort()).toEqual([first, ...after].map((e) => e.id).sort());
    expect(stored.filter((e) => e.deviceId === 'smk-1').map((e) => e.action)).toEqual(['raise', 'clear']);

    // Parked: on disk, out of the lane, listed with the server's reason, counted, logged.
    await waitFor('the refused event parked', () => gw.outbox.parked(10).total === 1, 5_000, 20);
    const parked = gw.outbox.parked(10).events[0]!;
    expect(parked).toMatchObject({ id: unknown.id, siteId: 'home-new', kind: 'fire.smoke', severity: 'critical', code: 'site_not_served', refusals: 1 });
    expect(parked.reason).toContain('home-new');
    expect(gw.outbox.depth().life_safety).toBe(0);
    expect(gw.metrics.value('carewatch_forwarder_parked_total', { lane: 'life_safety', code: 'site_not_served' })).toBe(1);
    expect(gw.logs.some((l) => l.level === 50 && /refused events; parked/.test(l.msg))).toBe(true);
    expect(gw.forwarder.stats.parked).toBe(1);

    // The gateway's own trouble reaches the server, on a site the server does serve.
    await waitFor('the gateway trouble stored', () => server.stored('gateway.trouble').length === 1, 10_000, 20);
    const trouble = server.stored('gateway.trouble')[0]!;
    expect(trouble).toMatchObject({ action: 'raise', subject: SERVER_LINK_SUBJECT });
    expect(['site-a', 'home-1']).toContain(trouble.siteId);

    // Provisioning changes (the home is added on the server); offered again, the event is stored
    // and the trouble cleared.
    await server.stop();
    await server.start(['home-new']);
    expect(gw.forwarder.reoffer('test')).toBe(1);
    await waitFor('the parked fire stored', () => server.stored('fire.smoke').some((e) => e.id === unknown.id), 10_000, 20);
    await waitFor('the trouble cleared', () => server.stored('gateway.trouble').some((e) => e.action === 'clear'), 10_000, 20);
    expect(gw.outbox.parked(10).total).toBe(0);
    expect(server.stored('fire.smoke')).toHaveLength(5);
  }, 30_000);

  it('parks an event the server cannot read, and the next one still goes', async () => {
    const server = await realServer();
    const gw = gateway(server);
    // A kind this server does not know (a newer gateway's): written as an older outbox row would be.
    const odd = gw.outbox.append(fire('site-a', 'smk-1'));
    gw.db.prepare('UPDATE outbox SET body = json_set(body, \'$.kind\', \'fire.unknown_kind\') WHERE id = ?').run(odd.id);
    const next = gw.outbox.append(fire('site-a', 'smk-1', 'clear'));
    gw.forwarder.start();
    await waitFor('the next event stored', () => server.stored('fire.smoke').some((e) => e.id === next.id), 10_000, 20);
    await waitFor('the odd one parked', () => gw.outbox.parked(10).total === 1, 5_000, 20);
    expect(gw.outbox.parked(10).events[0]).toMatchObject({ id: odd.id, code: 'invalid' });
    // An event the server cannot read is reported on its own site (the site is served).
    await waitFor('the gateway trouble stored', () => server.stored('gateway.trouble').length === 1, 10_000, 20);
    expect(server.stored('gateway.trouble')[0]).toMatchObject({ siteId: 'site-a', action: 'raise' });
  }, 30_000);

  it('sends a new life-safety event at once while its lane waits out a long backoff', async () => {
    const server = await realServer();
    // Backoff fixed at a minute: without the fix, the fire below would wait for it.
    const gw = gateway(server, { retryMinMs: 60_000, retryMaxMs: 60_000 });
    await server.stop();
    gw.outbox.append(fire('site-a', 'smk-1'));
    gw.forwarder.start();
    await waitFor('the send to fail', () => gw.forwarder.stats.failures >= 1, 5_000, 10);
    expect(gw.forwarder.stats.unreachableSince).not.toBeNull();
    expect(gw.logs.some((l) => /server unreachable/.test(l.msg))).toBe(true);
    await server.start();
    const newFire = gw.outbox.append(fire('site-a', 'smk-2'));
    await waitFor('the new fire stored', () => server.stored('fire.smoke').some((e) => e.id === newFire.id), 10_000, 20);
    expect(server.stored('fire.smoke')).toHaveLength(2); // the one waiting went with it
    await waitFor('the outage over', () => gw.forwarder.stats.unreachableSince === null, 5_000, 10);
    expect(gw.logs.some((l) => /server reachable again/.test(l.msg))).toBe(true);
  }, 30_000);

  it('sends a backed-off lane at once when a heartbeat is answered', async () => {
    const server = await realServer();
    const gw = gateway(server, { retryMinMs: 60_000, retryMaxMs: 60_000 });
    await server.stop();
    const battery = gw.outbox.append({ siteId: 'site-a', kind: 'device.battery_low', action: 'raise', severity: 'warning', subject: 'device:smk-1', deviceId: 'smk-1', ts: ts++ });
    gw.forwarder.start();
    await waitFor('the send to fail', () => gw.forwarder.stats.failures >= 1, 5_000, 10);
    await server.start();
    gw.forwarder.serverAnswered();
    await waitFor('the alarm-lane event stored', () => server.stored().some((e) => e.id === battery.id), 10_000, 20);
  }, 30_000);

  it('logs a 403 as the server refusing this gateway, not as the server unreachable', async () => {
    const server = await realServer();
    const gw = gateway({ url: server.url, token: 'not-a-token-the-server-knows' }, { retryMinMs: 60_000, retryMaxMs: 60_000 });
    gw.outbox.append(fire('site-a', 'smk-1'));
    gw.forwarder.start();
    await waitFor('the refusal logged', () => gw.logs.some((l) => /server refused this gateway/.test(l.msg)), 5_000, 10);
    expect(gw.logs.some((l) => /unreachable/.test(l.msg))).toBe(false);
    expect(gw.forwarder.stats.unreachableSince).toBeNull();
    expect(gw.metrics.value('carewatch_forwarder_failures_total', { lane: 'life_safety', reason: 'refused' })).toBe(1);
    expect(gw.outbox.depth().life_safety).toBe(1);
  }, 30_000);
});
