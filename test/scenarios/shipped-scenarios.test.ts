import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkExpectations } from '../../simulators/scenario/check-expectations.ts';
import { loadScenario } from '../../simulators/scenario/load-scenario.ts';
import { runVirtual } from '../../simulators/scenario/run-virtual.ts';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../simulators/scenarios');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

/**
 * Issue 24 must-show: every shipped scenario runs with its expectations in virtual time, through
 * the gateway's own ingest, rules and outbox (gateway/replay/). The expectations are the
 * scenario's, written from its story; each one must be met, and every event must be delivered.
 */
describe('shipped scenarios in virtual time', () => {
  it('ships the scenarios the issue lists', () => {
    expect(FILES).toEqual(expect.arrayContaining([
      'night-fire.yaml', 'watch-fall.yaml', 'radar-fall.yaml', 'night-bed-exit.yaml', 'alone-stops-moving.yaml',
      'dying-battery.yaml', 'link-outage.yaml', 'server-outage.yaml',
    ]));
  });

  for (const file of FILES) {
    it(`${file}: every expectation is met`, async () => {
      const s = loadScenario(join(DIR, file));
      expect(s.file.expect.length).toBeGreaterThan(0);
      const run = await runVirtual(s);
      const results = checkExpectations(s, run.observations, run.reachedAt);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results).toHaveLength(s.file.expect.length);
      expect(run.summary.undelivered).toBe(0);
      expect(run.summary.pendingTimers).toBe(0);
    }, 60_000);
  }
});
