import { interval } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../../contract/index.ts';
import { indexResidentSensors } from '../../../../gateway/core/activity/resident-sensors.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { toActivity } from '../../../../gateway/core/activity/to-activity.ts';
import { trackHomePresence } from '../../../../gateway/core/activity/track-home-presence.ts';
import { HOUR, MIDNIGHT_SHANGHAI as T0, MIN, clockFrom, homeSite, reading as anyReading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const reading = (id: string, fields: StateReading['fields'], ts = 0) => anyReading(id, fields, ts, 'home-li');
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const site = homeSite();
const values: Record<string, StateReading> = {
  c: reading('door-hall', { contact: true }),
  o: reading('door-hall', { contact: false }),
  b: reading('door-bath', { contact: false }),
  B: reading('door-bath', { contact: true }),
  m: reading('motion-living', { occupancy: true }),
  s: reading('watch-li', { steps: 100 }),
  S: reading('watch-li', { steps: 900 }),
};

function run(marbles: string, expected: [string, Record<string, unknown>?], until: number, base = T0, state = new MemoryRuleState()) {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const clock = clockFrom(ts, base);
    const index = indexResidentSensors(site);
    const states = hot<StateReading>(marbles, values);
    const out = states.pipe(toActivity({ site, index, scheduler: clock }), trackHomePresence({ index, scheduler: clock, state, sweep: interval(MIN, clock) }));
    expectObservable(out, timeline([[until, '!']])).toBe(...expected);
    expectSubscriptions(states.subscriptions).toBe(subscribedUntil(until));
  });
}

describe('trackHomePresence: living alone, gone out or at home (issue 11)', () => {
  it('entrance door opened and closed, then no movement inside for awayAfterDoorMin (10) → away; motion inside → home', () => {
    // the watch's steps while out prove nothing about home
    run(timeline([[0, 'c'], [HOUR, 'o'], [HOUR + MIN, 'c'], [HOUR + 5 * MIN, 's'], [HOUR + 30 * MIN, 'S'], [3 * HOUR, 'o'], [3 * HOUR + MIN, 'c'], [3 * HOUR + 2 * MIN, 'm']]), [
      timeline([[HOUR + 11 * MIN, 'a'], [3 * HOUR + 2 * MIN, 'h']]), {
        a: { type: 'home', residentId: 'li', away: true, at: T0 + HOUR + 11 * MIN },
        h: { type: 'home', residentId: 'li', away: false, at: T0 + 3 * HOUR + 2 * MIN },
      }], 4 * HOUR);
  });

  it('movement inside within awayAfterDoorMin after the door closed: still home (a visitor left, or a look outside)', () => {
    run(timeline([[0, 'c'], [HOUR, 'o'], [HOUR + MIN, 'c'], [HOUR + 4 * MIN, 'm']]), [''], 2 * HOUR);
  });

  it('an inner door (bathroom) is not the way out when the home has an entrance door', () => {
    run(timeline([[0, 'B'], [HOUR, 'b'], [HOUR + MIN, 'B']]), [''], 2 * HOUR);
  });

  it('after a restart (same store) it re-announces who is out, first thing', () => {
    const state = new MemoryRuleState();
    run(timeline([[0, 'c'], [HOUR, 'o'], [HOUR + MIN, 'c']]), [timeline([[HOUR + 11 * MIN, 'a']]), { a: expect.objectContaining({ away: true }) }], 2 * HOUR, T0, state);
    run(timeline([[HOUR, 'm']]), [timeline([[0, 'a'], [HOUR, 'h']]), {
      a: { type: 'home', residentId: 'li', away: true, at: T0 + 2 * HOUR },
      h: expect.objectContaining({ away: false }),
    }], 2 * HOUR, T0 + 2 * HOUR, state);
  });
});
