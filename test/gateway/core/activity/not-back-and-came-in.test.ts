import { interval, merge, share } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../../contract/index.ts';
import { raiseOnInactivity } from '../../../../gateway/core/activity/raise-on-inactivity.ts';
import { indexResidentSensors } from '../../../../gateway/core/activity/resident-sensors.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { toActivity } from '../../../../gateway/core/activity/to-activity.ts';
import { trackHomePresence } from '../../../../gateway/core/activity/track-home-presence.ts';
import type { SiteModel } from '../../../../gateway/site/model.ts';
import { HOUR, MIDNIGHT_SHANGHAI as T0, MIN, clockFrom, homeSite, reading as anyReading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

// Issue 15 defect 5 "Away forever": a person living alone who went out was never checked again.
// Marble tests of the chain watchActivity runs (toActivity → trackHomePresence → raiseOnInactivity)
// in virtual time; virtual 0 = 00:00 Asia/Shanghai.
const reading = (id: string, fields: StateReading['fields'], ts = 0) => anyReading(id, fields, ts, 'home-li');
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const values: Record<string, StateReading> = {
  c: reading('door-hall', { contact: true }),
  o: reading('door-hall', { contact: false }),
  m: reading('motion-living', { occupancy: true }),
};
const notBack = (action: string, more: object = {}) =>
  expect.objectContaining({ kind: 'inactivity.not_back', action, severity: 'major', subject: 'resident:li', residentId: 'li', ...more });
const noActivity = (action: string, more: object = {}) =>
  expect.objectContaining({ kind: 'inactivity.no_activity', action, subject: 'resident:li', ...more });

/** Li's morning: moves at 06:00, 08:00, leaves at 09:00 (door opens, closes; away from 09:10). */
const LEAVES = [[6 * HOUR, 'c'], [8 * HOUR, 'm'], [9 * HOUR, 'o'], [9 * HOUR + MIN, 'c']] as const;

function run(site: SiteModel, marbles: string, expected: [string, Record<string, unknown>?], until: number, opts: { base?: number; state?: MemoryRuleState } = {}) {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const clock = clockFrom(ts, opts.base);
    const index = indexResidentSensors(site);
    const state = opts.state ?? new MemoryRuleState();
    const sweep = interval(MIN, clock).pipe(share());
    const states = hot<StateReading>(marbles, values);
    const activity = states.pipe(toActivity({ site, index, scheduler: clock }), share());
    const presence = activity.pipe(trackHomePresence({ index, scheduler: clock, state, sweep }));
    const out = merge(activity, presence).pipe(raiseOnInactivity({ site, index, scheduler: clock, state, sweep }));
    expectObservable(out, timeline([[until, '!']])).toBe(...expected);
    expectSubscriptions(states.subscriptions).toBe(subscribedUntil(until));
  });
}

describe('not back by the latest return time', () => {
  it('raises inactivity.not_back at 23:00 local (the default) and clears when Li comes in at 01:00', () => {
    run(homeSite(), timeline([...LEAVES, [25 * HOUR, 'o'], [25 * HOUR + MIN, 'c'], [25 * HOUR + 2 * MIN, 'm']]), [
      timeline([[23 * HOUR, 'n'], [25 * HOUR + MIN, 'x']]), {
        n: notBack('raise', { ts: T0 + 23 * HOUR, details: { awaySince: T0 + 9 * HOUR + 11 * MIN, latestReturn: '23:00' } }),
        x: notBack('clear', { deviceId: 'door-hall', details: { awaySince: T0 + 9 * HOUR + 11 * MIN, cameInAt: T0 + 25 * HOUR + MIN } }),
      }], 26 * HOUR);
  });

  it('is never raised for someone at home (no door, no going out)', () => {
    run(homeSite(), timeline([[6 * HOUR, 'm'], [10 * HOUR, 'm'], [14 * HOUR, 'm'], [18 * HOUR, 'm'], [21 * HOUR, 'm']]), ['-'], 24 * HOUR);
  });

  it('takes the resident\'s own latest return time', () => {
    const site = homeSite({ residents: [{ id: 'li', name: 'Li', roomId: 'bedroom', rules: { inactivity: { latestReturn: '20:30' } } }] });
    run(site, timeline(LEAVES), [timeline([[20.5 * HOUR, 'n']]), { n: notBack('raise', { details: expect.objectContaining({ latestReturn: '20:30' }) }) }], 21 * HOUR);
  });

  it('survives a restart: the deadline stays the one after leaving, and nothing is raised twice', () => {
    const state = new MemoryRuleState();
    run(homeSite(), timeline(LEAVES), ['-'], 22 * HOUR, { state });
    // restarted at 22:00 (virtual time restarts at 0): still away, raised at 23:00 once
    run(homeSite(), '', [timeline([[HOUR, 'n']]), { n: notBack('raise', { ts: T0 + 23 * HOUR }) }], 3 * HOUR, { state, base: T0 + 22 * HOUR });
    run(homeSite(), '', ['-'], HOUR, { state, base: T0 + 25 * HOUR });
  });
});

describe('came in, then no movement', () => {
  it('away, the home door closes, nothing moves inside for noActivityHours (4): no_activity (came_in); movement clears it', () => {
    // comes home at 15:00 (door opens, closes) and nothing moves; at 19:30 motion
    run(homeSite(), timeline([...LEAVES, [15 * HOUR, 'o'], [15 * HOUR + MIN, 'c'], [19.5 * HOUR, 'm']]), [
      timeline([[19 * HOUR + MIN, 'r'], [19.5 * HOUR, 'x']]), {
        r: noActivity('raise', { severity: 'major', ts: T0 + 19 * HOUR + MIN, details: { mode: 'came_in', cameInAt: T0 + 15 * HOUR + MIN, noActivityHours: 4 } }),
        x: noActivity('clear'),
      }], 24 * HOUR);
  });

  it('coming in after the latest return time clears not_back and watches for movement instead', () => {
    run(homeSite(), timeline([...LEAVES, [23.5 * HOUR, 'o'], [23.5 * HOUR + MIN, 'c']]), [
      timeline([[23 * HOUR, 'n'], [23.5 * HOUR + MIN, 'x'], [27.5 * HOUR + MIN, 'r']]), {
        n: notBack('raise'),
        x: notBack('clear', { details: expect.objectContaining({ cameInAt: T0 + 23.5 * HOUR + MIN }) }),
        r: noActivity('raise', { details: expect.objectContaining({ mode: 'came_in' }) }),
      }], 28 * HOUR);
  });
});
