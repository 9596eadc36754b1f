import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JS_EVENTS_STREAM, JS_INGEST_CONSUMER, JS_TOKEN_HEADER, eventSubject } from '../../contract/index.ts';
import type { EventDraft } from '../../gateway/core/kit/event-draft.ts';
import { Forwarder } from '../../gateway/forwarder/forwarder.ts';
import { JetStreamTransport } from '../../gateway/forwarder/jetstream-transport.ts';
import { SERVER_LINK_SUBJECT } from '../../gateway/forwarder/parked-trouble.ts';
import { Metrics } from '../../gateway/metrics.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { openGatewayDb } from '../../gateway/store/open-gateway-db.ts';
import { SqliteTroubleMemory } from '../../gateway/store/sqlite-trouble-memory.ts';
import { buildServer } from '../../server/app.ts';
import { JETSTREAM_LINK_SUBJECT } from '../../server/services/bus/jetstream-ingest.ts';
import { waitFor } from '../helpers/e2e-devices.ts';
import { ServerView, storedEvents } from '../helpers/e2e-server.ts';
import { type NatsServer, startNatsServer } from '../helpers/nats-server.ts';
import { TEST_PASSWORD_COST, makeProvisioning, tempDir } from '../server/helpers.ts';

// Issue 22: the forwarder delivering through JetStream to a server consuming it — a real
// nats-server (2.9.10, -js) and a real server in this process. Refusals come back on the verdict
// stream and are parked as HTTP refusals are (test/gateway/forwarder.test.ts); messages the server
// cannot use are counted, terminated and raised as trouble.
describe('forwarder through JetStream', () => {
  const natsDir = tempDir('carewatch-js-');
  let nats: NatsServer;
  const cleanups: Array<() => Promise<void> | void> = [];
  beforeAll(async () => { nats = await startNatsServer(natsDir.path); });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await nats?.stop();
    natsDir.remove();
  });

  /** A server consuming JetStream (gateway gw-a serves site-a and home-1), restartable with more sites. */
  async function realServer() {
    const dir = tempDir();
    const { provisioning, tokens } = makeProvisioning();
    let app: FastifyInstance | undefined;
    const server = {
      token: tokens['gw-a'],
      staffToken: tokens.staffA,
      get app() { return app!; },
      async start(extraSites: string[] = []) {
        const gateways = provisioning.gateways.map((g) => (g.gatewayId === 'gw-a' ? { ...g, sites: [...g.sites, ...extraSites] } : g));
        app = await buildServer({
          dataDir: dir.path, provisioning: { ...provisioning, gateways }, passwordCost: TEST_PASSWORD_COST, logger: process.env.TEST_LOG ? { level: 'debug' } : false, busUrl: nats.url, jetstreamIngest: true,
        });
      },
      async stop() { await app?.close(); app = undefined; },
      stored: (kind?: EventDraft['kind']) => storedEvents(dir.path, kind ? { kind } : {}),
    };
    await server.start();
    cleanups.push(() => dir.remove(), () => server.stop());
    return server;
  }

  function gateway(token: string) {
    const dir = tempDir('carewatch-fwd-');
    const db = openGatewayDb(dir.path);
    const outbox = new SqliteOutbox({ db, clock: () => Date.now() });
    const metrics = new Metrics();
    const log = pino({ level: process.env.TEST_LOG ? 'debug' : 'silent' });
    const forwarder = new Forwarder({
      serverUrl: 'http://127.0.0.1:9', gatewayId: 'gw-a', token, outbox, troubleMemory: new SqliteTroubleMemory(db), log, metrics, reofferEveryMs: 0,
      transport: new JetStreamTransport({ natsUrl: nats.url, gatewayId: 'gw-a', token, outbox, log }),
    });
    cleanups.push(() => dir.remove(), () => { db.close(); }, () => forwarder.stop());
    return { outbox, forwarder, metrics };
  }

  let ts = Date.UTC(2026, 0, 1);
  const fire = (siteId: string, deviceId: string, action: 'raise' | 'clear' = 'raise'): EventDraft => ({
    siteId, kind: 'fire.smoke', action, severity: 'critical', subject: `device:${deviceId}`, deviceId, ts: ts++,
  });

  it('an event of a site the server does not serve comes back as a verdict and is parked; offered again once provisioned, stored', async () => {
    const server = await realServer();
    const gw = gateway(server.token);
    const first = gw.outbox.append(fire('site-a', 'smk-1'));
    const unknown = gw.outbox.append(fire('home-new', 'smk-9'));
    const after = [gw.outbox.append(fire('site-a', 'smk-1', 'clear')), gw.outbox.append(fire('home-1', 'smk-3'))];
    gw.forwarder.start();

    await waitFor('the served fires stored', () => server.stored('fire.smoke').length === 3, 15_000, 20);
    expect(server.stored('fire.smoke').filter((e) => e.deviceId === 'smk-1').map((e) => e.id)).toEqual([first.id, after[0]!.id]);
    // Handed on to the stream, so gone from the lane; the server's refusal parks it again.
    await waitFor('the refused event parked', () => gw.outbox.parked(10).total === 1, 10_000, 20);
    expect(gw.outbox.parked(10).events[0]).toMatchObject({ id: unknown.id, siteId: 'home-new', code: 'site_not_served', refusals: 1 });
    expect(gw.metrics.value('carewatch_forwarder_parked_total', { lane: 'life_safety', code: 'site_not_served' })).toBe(1);
    await waitFor('the gateway trouble stored', () => server.stored('gateway.trouble').length === 1, 15_000, 20);
    expect(server.stored('gateway.trouble')[0]).toMatchObject({ action: 'raise', subject: SERVER_LINK_SUBJECT });

    await server.stop();
    await server.start(['home-new']);
    expect(gw.forwarder.reoffer('test')).toBe(1);
    await waitFor('the parked fire stored', () => server.stored('fire.smoke').some((e) => e.id === unknown.id), 15_000, 20);
    await waitFor('the trouble cleared', () => server.stored('gateway.trouble').some((e) => e.action === 'clear'), 15_000, 20);
    expect(gw.outbox.parked(10).total).toBe(0);
    expect(server.stored('fire.smoke')).toHaveLength(4);
  }, 60_000);

  it('messages without the gateway\'s token, or unreadable, are counted, terminated and raised as trouble', async () => {
    const server = await realServer();
    const nc = await connect({ servers: nats.url });
    cleanups.push(() => nc.close());
    const js = jetstream(nc);
    const withToken = (token: string) => { const h = headers(); h.set(JS_TOKEN_HEADER, token); return h; };
    const gw = gateway(server.token);
    const event = (draft: EventDraft) => JSON.stringify(gw.outbox.append(draft));

    await js.publish(eventSubject('gw-a', 'alarm'), event(fire('site-a', 'smk-5')), { msgID: 'no-token' });
    await js.publish(eventSubject('gw-a', 'alarm'), event(fire('site-a', 'smk-5')), { msgID: 'wrong-token', headers: withToken('not-a-token') });
    await js.publish(eventSubject('gw-a', 'alarm'), '{not json', { msgID: 'not-json', headers: withToken(server.token) });
    // gw-a's token on gw-b's subject: a gateway may not speak for another.
    await js.publish(eventSubject('gw-b', 'alarm'), event(fire('site-b', 'smk-6')), { msgID: 'other-gateway', headers: withToken(server.token) });
    // A good one after them: once it is stored, the ones before it were taken.
    const good = gw.outbox.append(fire('site-a', 'smk-7'));
    await js.publish(eventSubject('gw-a', 'alarm'), JSON.stringify(good), { msgID: good.id, headers: withToken(server.token) });
    await waitFor('the good event stored', () => server.stored('fire.smoke').some((e) => e.id === good.id), 15_000, 20);

    expect(server.stored('fire.smoke')).toHaveLength(1);
    const count = (result: string) => server.app.metrics.registry.getSingleMetric('carewatch_jetstream_ingest_messages_total')!.get()
      .then((m) => m.values.find((v) => v.labels.result === result)?.value ?? 0);
    expect(await count('invalid_token')).toBe(3);
    expect(await count('invalid_body')).toBe(1);
    expect(await count('stored')).toBe(1);
    // Terminated: nothing waits for an acknowledgement or a redelivery, and the work queue is empty.
    const jsm = await jetstreamManager(nc);
    const consumer = await jsm.consumers.info(JS_EVENTS_STREAM, JS_INGEST_CONSUMER);
    expect({ pending: consumer.num_pending, ackPending: consumer.num_ack_pending, redelivered: consumer.num_redelivered }).toEqual({ pending: 0, ackPending: 0, redelivered: 0 });
    expect((await jsm.streams.info(JS_EVENTS_STREAM)).state.messages).toBe(0);
    // One trouble per claimed gateway a minute: gw-a's on its site, gw-b's on its own.
    const trouble = server.stored('gateway.trouble').filter((e) => e.subject === JETSTREAM_LINK_SUBJECT);
    expect(trouble.map((e) => e.siteId).sort()).toEqual(['site-a', 'site-b']);
  }, 60_000);

  it('messages a replica took and died with are stored before newer ones, when JetStream gives them out again', async () => {
    const server = await realServer(); // makes the streams and the consumer
    await server.stop();
    const gw = gateway(server.token);
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const h = headers();
    h.set(JS_TOKEN_HEADER, server.token);
    const publish = async (draft: EventDraft) => {
      const e = gw.outbox.append(draft);
      await js.publish(eventSubject('gw-a', 'life_safety'), JSON.stringify(e), { msgID: e.id, headers: h });
      return e;
    };
    const first = [await publish(fire('site-a', 'smk-8')), await publish(fire('site-a', 'smk-8', 'clear')), await publish(fire('site-a', 'smk-8'))];
    // A replica takes the first three and dies before storing them.
    const taken = await (await js.consumers.get(JS_EVENTS_STREAM, JS_INGEST_CONSUMER)).fetch({ max_messages: 3, expires: 5000 });
    const seqs: number[] = [];
    for await (const m of taken) seqs.push(m.seq);
    expect(seqs).toHaveLength(3);
    await nc.close();
    // Newer ones, then a replica that is up: it gets these at once, the older three only after the ack wait.
    const nc2 = await connect({ servers: nats.url });
    cleanups.push(() => nc2.close());
    const js2 = jetstream(nc2);
    const later: string[] = [];
    for (const draft of [fire('site-a', 'smk-8', 'clear'), fire('site-a', 'smk-8'), fire('site-a', 'smk-8', 'clear')]) {
      const e = gw.outbox.append(draft);
      await js2.publish(eventSubject('gw-a', 'life_safety'), JSON.stringify(e), { msgID: e.id, headers: h });
      later.push(e.id);
    }
    await server.start();
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    await waitFor('all six stored', () => server.stored('fire.smoke').length === 6, 30_000, 50);
    expect(server.stored('fire.smoke').map((e) => e.id)).toEqual([...first.map((e) => e.id), ...later]);
    // Applied in the device's order: raise, clear, raise, clear, raise, clear — none dropped as older than one applied.
    const port = (server.app.server.address() as { port: number }).port;
    const view = new ServerView(`http://127.0.0.1:${port}`, server.staffToken);
    const [alarm] = await view.alarmsOf('site-a', { deviceId: 'smk-8', kind: 'fire.smoke' });
    expect(alarm).toMatchObject({ count: 3, status: 'cleared_unack' });
    const changes = (await view.changeLog()).filter((c) => c.alarm.id === alarm!.id && c.change !== 'escalated').map((c) => c.change);
    expect(changes).toEqual(['raised', 'cleared', 'raised', 'cleared', 'raised', 'cleared']);
  }, 60_000);
});
