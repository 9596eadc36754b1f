import { interval } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../../contract/index.ts';
import { raiseOnBedExit } from '../../../../gateway/core/activity/raise-on-bed-exit.ts';
import { indexResidentSensors } from '../../../../gateway/core/activity/resident-sensors.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { toActivity } from '../../../../gateway/core/activity/to-activity.ts';
import type { SiteModel } from '../../../../gateway/site/model.ts';
import { buildSite } from '../site-fixture.ts';
import { HOUR, MIDNIGHT_SHANGHAI as T0, MIN, clockFrom, reading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const bedExit = (action: string, more: object = {}) =>
  expect.objectContaining({ kind: 'inactivity.bed_exit', action, severity: 'major', subject: 'resident:ann', residentId: 'ann', ...more });
const IN = reading('bed-101', { in_bed: true }, 1);
const OUT = reading('bed-101', { in_bed: false }, 2);

function run(site: SiteModel, marbles: string, expected: [string, Record<string, unknown>?], until: number, base = T0, state = new MemoryRuleState()) {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const clock = clockFrom(ts, base);
    const index = indexResidentSensors(site);
    const states = hot<StateReading>(marbles, { i: IN, o: OUT });
    const out = states.pipe(toActivity({ site, index, scheduler: clock }), raiseOnBedExit({ site, index, scheduler: clock, state, sweep: interval(MIN, clock) }));
    expectObservable(out, timeline([[until, '!']])).toBe(...expected);
    expectSubscriptions(states.subscriptions).toBe(subscribedUntil(until));
  });
}

// Virtual 0 is 22:00 Shanghai (the night window's start) in these tests.
const NIGHT_START = T0 - 2 * HOUR;

describe('raiseOnBedExit: out of bed at night and not back (issue 4)', () => {
  it('raises bedExitReturnMin (30) after leaving the bed at night, and clears when back in bed', () => {
    run(buildSite(), timeline([[0, 'i'], [3 * HOUR, 'o'], [3 * HOUR + 31 * MIN, 'o'], [4 * HOUR, 'i']]), [
      timeline([[3 * HOUR + 30 * MIN, 'r'], [4 * HOUR, 'c']]), {
        r: bedExit('raise', { deviceId: 'bed-101', roomId: 'room-101', ts: NIGHT_START + 3.5 * HOUR, details: { outOfBedSince: NIGHT_START + 3 * HOUR, bedExitReturnMin: 30 } }),
        c: bedExit('clear', { deviceId: 'bed-101', ts: 1 }),
      }], 5 * HOUR, NIGHT_START);
  });

  it('does nothing when back within the time, or when leaving the bed by day', () => {
    // back after 20 min at 01:00; out of bed at 09:00 (day) for hours
    run(buildSite(), timeline([[0, 'i'], [3 * HOUR, 'o'], [3 * HOUR + 20 * MIN, 'i'], [10 * HOUR, 'o']]), [''], 16 * HOUR, NIGHT_START);
  });

  it('drops a pending exit when the night ends before its deadline (getting up at dawn)', () => {
    // out at 05:45; night ends 06:00 before the 06:15 deadline
    run(buildSite(), timeline([[0, 'i'], [7 * HOUR + 45 * MIN, 'o']]), [''], 10 * HOUR, NIGHT_START);
  });

  it("uses the resident's own night window and return time (Ann: 20:00–08:00, 10 min)", () => {
    const site = buildSite({
      residents: [
        { id: 'ann', name: 'Ann', roomId: 'room-101', rules: { inactivity: { night: { start: '20:00', end: '08:00' }, bedExitReturnMin: 10 } } },
        { id: 'bob', name: 'Bob', roomId: 'room-102' },
      ],
    });
    // virtual 0 = 22:00; out at 07:00 (still Ann's night) → raised at 07:10
    run(site, timeline([[0, 'i'], [9 * HOUR, 'o']]), [timeline([[9 * HOUR + 10 * MIN, 'r']]), { r: bedExit('raise') }], 10 * HOUR, NIGHT_START);
  });

  it('after a restart (same store) keeps a pending exit and an open alarm without raising it twice', () => {
    const state = new MemoryRuleState();
    const site = buildSite();
    // out at 01:00, restart at 01:10 → still raised at 01:30
    run(site, timeline([[0, 'i'], [3 * HOUR, 'o']]), [''], 3 * HOUR + 10 * MIN, NIGHT_START, state);
    run(site, '', [timeline([[20 * MIN, 'r']]), { r: bedExit('raise', { ts: NIGHT_START + 3.5 * HOUR }) }], 30 * MIN, NIGHT_START + 3 * HOUR + 10 * MIN, state);
    // restart again at 01:40: no second raise; back in bed clears
    run(site, timeline([[10 * MIN, 'i']]), [timeline([[10 * MIN, 'c']]), { c: bedExit('clear') }], HOUR, NIGHT_START + 3 * HOUR + 40 * MIN, state);
  });
});
