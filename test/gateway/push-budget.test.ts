import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionGate } from '../../contract/connection-gate.ts';
import { PushBudget } from '../../gateway/push/push-budget.ts';
import { buildPushPlatforms } from '../../gateway/push/push-config.ts';
import { PushDedupe } from '../../gateway/push/push-dedupe.ts';
import { PushListener } from '../../gateway/push/push-listener.ts';
import { pushAsPlatform } from '../../simulators/devices/platform-sim.ts';
import { HOME, type HomeHarness, homeHarness } from '../helpers/gateway-harness-home.ts';

/** Push intake's share of the loop that carries MQTT alarms (issue 16; bench `hostile`). */
describe('PushBudget', () => {
  it('holds at most maxInFlight pushes at once; a place is free again after leave()', () => {
    const budget = new PushBudget({ maxInFlight: 2, now: () => 0 });
    expect(budget.enter()).toBeUndefined();
    expect(budget.enter()).toBeUndefined();
    expect(budget.enter()).toBe('in_flight');
    budget.leave();
    expect(budget.enter()).toBeUndefined();
  });

  it('refuses once the handlers took their share of the second, pays an overspend from the next seconds, then admits again', () => {
    let t = 0;
    const budget = new PushBudget({ maxLoopShare: 0.1, now: () => t });
    budget.timed(() => { t += 250; }); // one handler took 250 ms: 2.5 windows' share
    t = 300;
    expect(budget.enter()).toBe('loop_share');
    expect(budget.retryAfterSec()).toBe(1);
    t = 1300; // one window later: 150 ms still owed
    expect(budget.enter()).toBe('loop_share');
    t = 2300; // paid off
    expect(budget.enter()).toBeUndefined();
  });
});

describe('a push over the budget', () => {
  let h: HomeHarness;
  let http: PushListener | undefined;
  afterEach(async () => {
    await http?.stop();
    h.close();
  });

  it('is refused before its body is read: 503 with Retry-After and reason busy, counted; within the budget it is taken', async () => {
    h = homeHarness();
    const TS = Date.UTC(2025, 2, 1, 8, 0, 0);
    const built = buildPushPlatforms({ ctwing: { token: 'ctwing-secret-1' } }, {});
    if (!built.ok) throw new Error(built.errors.join('\n'));
    // A clock that makes every handler take 200 ms of a 100 ms share: the first push spends the second.
    let t = 0;
    http = new PushListener({
      host: '127.0.0.1', port: 0, gate: new ConnectionGate(), registry: h.registry, rejections: h.rejections, metrics: h.metrics, log: h.log,
      platforms: built.platforms, dedupe: new PushDedupe(h.db), clock: () => TS + 60_000,
      budget: { maxLoopShare: 0.1, now: () => (t += 100) },
    });
    const a = await http.start();
    const url = `http://${a.host}:${a.port}`;
    const push = (n: number) => pushAsPlatform(url, 'ctwing', { platformDeviceId: HOME.ctwingDeviceId, data: { battery_value: 90 - n }, ts: TS + n }, 'ctwing-secret-1');
    expect((await push(1)).status).toBe(200);
    const refused = await fetch(`${url}/push/ctwing`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ctwing-token': 'wrong' }, body: '{}' });
    // Refused for the budget before the token is even compared: the cheapest answer first.
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { reason: string }).reason).toBe('busy');
    expect(h.rejections.total('platform', 'busy')).toBe(1);
    expect(await h.metrics.render()).toMatch(/carewatch_push_refused_busy_total\{why="loop_share"\} 1/);
  });
});
