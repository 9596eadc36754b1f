import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';
import { type ResendingSmokeDetector, waitFor } from '../helpers/e2e-devices.ts';
import { ServerView, gatewayStatus, outboxTotal } from '../helpers/e2e-server.ts';
import { expectExactlyOnce as expectExactlyOnceIn, smokeDetectors } from '../helpers/exactly-once.ts';
import { DEMO_SITE } from '../helpers/stack.ts';

// README, "never lost on the way": an alarm a device published and the gateway accepted reaches
// the server exactly once, through restarts, crashes and outages — real `carewatch server` and
// `carewatch gateway` processes, killed with SIGKILL.
//
// Smoke detectors toggle smoke on and off: every accepted change is exactly one `fire.smoke`
// event (raise, clear, raise, …), and a repeat of the current state is none, so the events the
// server stored per detector must be exactly the changes the gateway acknowledged — one lost
// shows as a missing row, one duplicated as an extra row, a `repeated` change, or a count above
// the number of raises. (A server crash after storing a batch but before answering cannot be
// forced from outside; the server keeps each event id once — test/server/ingest.test.ts.)
describe('nothing lost: alarms accepted by the gateway reach the server exactly once', () => {
  const SITE = 'demo';
  let stack: ProcessStack;
  let view: ServerView;
  let detectors: ResendingSmokeDetector[];

  beforeAll(async () => {
    stack = new ProcessStack({ siteFiles: [DEMO_SITE] });
    await stack.start();
    view = new ServerView(stack.serverUrl, stack.creds.users.find((u) => u.username === 'admin')!.token);
    detectors = smokeDetectors(stack, SITE);
  }, 40_000);

  afterAll(async () => {
    await Promise.all((detectors ?? []).map((d) => d.close()));
    await stack?.stop();
  });

  const acknowledged = () => detectors.reduce((n, d) => n + d.acked.length, 0);
  const drained = () => waitFor('the gateway outbox to drain to the server', async () => outboxTotal(await gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders)) === 0, 20_000, 100);

  const expectExactlyOnce = () => expectExactlyOnceIn(`${stack.dataDir}/server`, view, SITE, detectors);

  it('a gateway killed with SIGKILL mid-stream loses no accepted alarm and duplicates none', async () => {
    const TOGGLES = 15;
    const deadline = Date.now() + 30_000;
    expect(detectors).toHaveLength(14);
    const runs = detectors.map((d) => d.toggle(TOGGLES, { gapMs: 8, deadline }));
    runs.forEach((r) => r.catch(() => undefined)); // awaited below; no unhandled rejection meanwhile

    // Freeze the gateway a third of the way in, so that every detector has a message on the
    // wire that the gateway never acknowledges; then kill it. Each detector will also resend
    // its last acknowledged message, as if that PUBACK had been lost in the crash.
    await waitFor('a third of the messages acknowledged', () => acknowledged() >= (detectors.length * TOGGLES) / 3, 15_000, 5);
    stack.gateway!.kill('SIGSTOP');
    await waitFor('every detector waiting for a PUBACK', () => detectors.every((d) => d.pending), 5_000, 5);
    const beforeCrash = acknowledged();
    for (const d of detectors) d.resendLastAckedAfterReconnect();
    await stack.kill9('gateway');
    await stack.startGateway();
    await Promise.all(runs);
    await drained();

    expect(beforeCrash).toBeLessThan(detectors.length * TOGGLES);
    expect(acknowledged()).toBe(detectors.length * TOGGLES);
    expect(detectors.reduce((n, d) => n + d.resent, 0)).toBeGreaterThanOrEqual(detectors.length);
    expect(detectors.reduce((n, d) => n + d.duplicated, 0)).toBe(detectors.length);
    await expectExactlyOnce();
  }, 40_000);

  it('a server outage keeps accepted alarms in the gateway outbox, through a gateway crash, and delivers them once', async () => {
    const TOGGLES = 6;
    await stack.kill9('server');
    const deadline = Date.now() + 20_000;
    await Promise.all(detectors.map((d) => d.toggle(TOGGLES, { deadline })));

    // Every change was acknowledged with the server down: it waits in the outbox on disk.
    const waiting = await gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders);
    expect(waiting.outbox.life_safety).toBeGreaterThanOrEqual(detectors.length * TOGGLES);

    // The outbox survives a gateway crash while it holds them.
    await stack.kill9('gateway');
    await stack.startGateway();
    expect((await gatewayStatus(stack.gatewayUrl, stack.gatewayHeaders)).outbox.life_safety).toBe(waiting.outbox.life_safety);

    await stack.startServer();
    await drained();
    await expectExactlyOnce();
  }, 40_000);
});
