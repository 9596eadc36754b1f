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
 * garbage. Each starts shortly before its story's first step, and the long quiet gaps are
 * played ×N (the product's own timers still run at their real length). The expectations are
 * the scenario file's, unchanged.
 */
describe('shipped scenarios in real time over the real transports', () => {
  let stack: ProcessStack;
  let ep: RealEndpoints;

  beforeAll(async () => {
    stack = new ProcessStack({ siteFiles: demoSiteFiles() });
    await stack.start();
    ep = {
      serverUrl: stack.serverUrl,
      token: stack.creds.users.find((u) => u.username === 'admin')!.token,
      mqttUrl: stack.mqttUrl,
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
    ['night-fire.yaml', '03:09:55', 3], // ×3: the sprinkler's 10 s retard (a product timer) still fits the story's minute
    ['watch-fall.yaml', '10:19:50', 5],
    ['home-smoke-push.yaml', '18:09:50', 60],
  ];
  for (const [file, start, speed] of cases) {
    it(`${file} from ${start} ×${speed}: every expectation is met`, async () => {
      const s = from(loadScenario(join(DIR, file)), start);
      const notes: string[] = [];
      const run = await runReal(s, ep, { speed, settleMs: 1000, onNote: (n) => notes.push(n) });
      // The only refusals are the garbage the story sends on purpose (its "sends N malformed" steps).
      const garbageSteps = s.file.steps.flatMap((step, i) => ('malformed' in step ? [i] : []));
      expect(notes.filter((n) => !garbageSteps.some((i) => n.startsWith(`step ${i}: `)))).toEqual([]);
      const results = checkExpectations(s, run.observations, run.reachedAt);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results).toHaveLength(s.file.expect.length);
      expect(run.summary.skipped).toBe(0);
    }, 120_000);
  }
});
