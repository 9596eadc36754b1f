import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSiteFiles } from '../../simulators/demo/cli.ts';
import { checkExpectations } from '../../simulators/scenario/check-expectations.ts';
import { type LoadedScenario, loadScenario } from '../../simulators/scenario/load-scenario.ts';
import { type RealEndpoints, runReal } from '../../simulators/scenario/run-real.ts';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';

const DIR = join(import.meta.dirname, '../../simulators/scenarios');

/**
 * Issue 24 must-show: shipped scenarios also run in real time over the real transports, against
 * real `carewatch server` and `carewatch gateway` processes: the night fire over native MQTT, the
 * watch fall over TCP ("3G*"), the home smoke alarm as signed CTWing pushes with retries and
 * garbage. Each starts shortly before its story's first step; the quiet gaps are played ×N,
 * and the runner holds the story at ×1 while a window it expects something in is open (so the
 * product's own timers — the sprinkler's 10 s retard — run at their real length before the step
 * that would end them). The expectations are the scenario file's, unchanged. Stories of
 * different sites run side by side; stories of one site one after the other.
 */
describe('shipped scenarios in real time over the real transports', () => {
  let stack: ProcessStack;
  let ep: RealEndpoints;

  beforeAll(async () => {
    stack = new ProcessStack({ siteFiles: demoSiteFiles(), startTogether: true });
    await stack.start();
    ep = {
      serverUrl: stack.serverUrl,
      token: stack.creds.users.find((u) => u.username === 'admin')!.token,
      mqtt: stack.mqttBroker,
      watchHost: '127.0.0.1',
      watchPort: stack.ports.watch,
      pushUrl: stack.pushUrl,
      creds: stack.creds,
      // The tokens the demo wrote to the gateway's --push-config (pushes fail closed, issue 16).
      platformSecrets: Object.fromEntries((stack.creds.platforms ?? []).map((p) => [p.platform, p.token])),
    };
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** The scenario from a later start (a real run need not sit through the quiet hours before it). */
  const from = (s: LoadedScenario, clock: string): LoadedScenario => ({ ...s, from: s.at(clock) });

  const cases: Array<[file: string, start: string, speed: number]> = [
    ['night-fire.yaml', '03:09:55', 120], // the sprinkler's 10 s retard runs at its real length inside its held window
    ['watch-fall.yaml', '10:19:50', 60],
    ['home-smoke-push.yaml', '18:09:50', 600], // 10-minute gaps: the pushes' retries need no time between steps
  ];
  /** One story at a time per site: a second story on the same site would see the first's alarms. */
  const siteTurns = new Map<string, Promise<unknown>>();
  const inTurn = <T>(siteIds: string[], run: () => Promise<T>): Promise<T> => {
    const before = Promise.all(siteIds.map((id) => siteTurns.get(id)));
    const mine = before.then(run, run);
    for (const id of siteIds) siteTurns.set(id, mine.catch(() => undefined));
    return mine;
  };
  for (const [file, start, speed] of cases) {
    it.concurrent(`${file} from ${start} ×${speed}: every expectation is met`, async () => {
      const s = from(loadScenario(join(DIR, file)), start);
      const notes: string[] = [];
      const run = await inTurn(s.sites.map((site) => site.site.id), () => runReal(s, ep, { speed, settleMs: 1000, onNote: (n) => notes.push(n) }));
      // The only refusals are the garbage the story sends on purpose (its "sends N malformed" steps).
      const garbageSteps = s.file.steps.flatMap((step, i) => ('malformed' in step ? [i] : []));
      expect(notes.filter((n) => !garbageSteps.some((i) => n.startsWith(`step ${i}: `)))).toEqual([]);
      const results = checkExpectations(s, run.observations, run.reachedAt);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results).toHaveLength(s.file.expect.length);
      expect(run.summary.skipped).toBe(0);
    }, 60_000);
  }
});
