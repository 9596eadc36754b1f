import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';
import { type ResendingSmokeDetector, transitions, waitFor } from '../helpers/e2e-devices.ts';
import { ServerView, gatewayStatus, outboxTotal, storedEvents } from '../helpers/e2e-server.ts';
import { expectExactlyOnce, smokeDetectors } from '../helpers/exactly-once.ts';
import { type NatsServer, startNatsServer } from '../helpers/nats-server.ts';
import { DEMO_SITE } from '../helpers/stack.ts';
import { tempDir } from '../server/helpers.ts';

// Issue 22, gateway delivery through JetStream: a real nats-server (-js, its store in a temp dir),
// a real `carewatch gateway --deliver jetstream` and a real `carewatch server --bus … --jetstream-ingest`.
// Smoke detectors publish over MQTT (mqtt.js) and toggle smoke on and off, so each acknowledged
// change is one event, and the server must hold each once and apply them in the device's order
// (helpers/exactly-once.ts) — through a server killed with SIGKILL mid-burst, and through a
// time with no server at all, while the gateway keeps delivering into the stream.
describe('JetStream delivery: gateway → NATS JetStream → server, each alarm stored once', () => {
  const SITE = 'demo';
  const natsDir = tempDir('carewatch-js-');
  let nats: NatsServer;
  let stack: ProcessStack;
  let view: ServerView;
  let detectors: ResendingSmokeDetector[];

  beforeAll(async () => {
    nats = await startNatsServer(natsDir.path);
    stack = new ProcessStack({
      siteFiles: [DEMO_SITE],
      gatewayArgs: ['--deliver', 'jetstream', '--nats', nats.url],
      serverArgs: ['--bus', nats.url, '--jetstream-ingest'],
    });
    await stack.start();
    view = new ServerView(stack.serverUrl, stack.creds.users.find((u) => u.username === 'admin')!.token);
    detectors = smokeDetectors(stack, SITE);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((detectors ?? []).map((d) => d.close()));
    await stack?.stop();
    await nats?.stop();
    natsDir.remove();
  });

  const acknowledged = () => detectors.reduce((n, d) => n + d.acked.length, 0);
  const expected = () => detectors.reduce((n, d) => n + transitions(d.acked), 0);
  const stored = () => storedEvents(`${stack.dataDir}/server`, { siteId: SITE, kind: 'fire.smoke' }).length;
  const status = () => gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders);

  it('a server killed with SIGKILL mid-burst and restarted: every alarm stored once, in order per device', async () => {
    const TOGGLES = 30;
    expect(detectors).toHaveLength(14);
    const status0 = await status() as Awaited<ReturnType<typeof status>> & { delivery: { via: string; url: string } };
    expect(status0.delivery).toEqual({ via: 'jetstream', url: nats.url });

    const runs = detectors.map((d) => d.toggle(TOGGLES, { gapMs: 30, deadline: Date.now() + 60_000 }));
    runs.forEach((r) => r.catch(() => undefined)); // awaited below
    // Mid-burst: the server has stored some and more are on their way.
    await waitFor('the server storing the first alarms of the burst', () => stored() >= detectors.length, 30_000, 10);
    await stack.kill9('server');
    const atKill = acknowledged();
    expect(atKill).toBeLessThan(detectors.length * TOGGLES);
    // The devices go on being acknowledged with no server; the events go into the stream.
    await waitFor('more alarms acknowledged with the server dead', () => acknowledged() >= atKill + detectors.length, 30_000, 20);
    await stack.startServer();
    await Promise.all(runs);
    expect(acknowledged()).toBe(detectors.length * TOGGLES);
    await waitFor('the whole burst stored', () => stored() >= expected(), 60_000, 100);
    await expectExactlyOnce(`${stack.dataDir}/server`, view, SITE, detectors);
    expect(stored()).toBe(expected());
  }, 150_000);

  it('with no server running the gateway keeps accepting and delivering into JetStream; the backlog is stored once the server is up', async () => {
    const TOGGLES = 6;
    await stack.kill9('server');
    const before = (await status()).forwarder!.sent;
    await Promise.all(detectors.map((d) => d.toggle(TOGGLES, { deadline: Date.now() + 30_000 })));

    // Every change acknowledged to its device, and handed on from the outbox into the stream: none waits on the gateway.
    await waitFor('the gateway outbox empty with no server', async () => outboxTotal(await status()) === 0, 30_000, 100);
    expect((await status()).forwarder!.sent - before).toBeGreaterThanOrEqual(detectors.length * TOGGLES);
    expect(stored()).toBeLessThan(expected());

    await stack.startServer();
    await waitFor('the backlog stored', () => stored() >= expected(), 60_000, 100);
    await expectExactlyOnce(`${stack.dataDir}/server`, view, SITE, detectors);
    expect(stored()).toBe(expected());
  }, 120_000);
});
