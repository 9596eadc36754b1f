import { interval, merge } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../../contract/index.ts';
import { raiseOnInactivity } from '../../../../gateway/core/activity/raise-on-inactivity.ts';
import { indexResidentSensors } from '../../../../gateway/core/activity/resident-sensors.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { toActivity } from '../../../../gateway/core/activity/to-activity.ts';
import type { HomePresence } from '../../../../gateway/core/activity/track-home-presence.ts';
import type { SiteModel } from '../../../../gateway/site/model.ts';
import { buildSite } from '../site-fixture.ts';
import type { SiteFixtureInput } from '../site-fixture.ts';
import { HOUR, MIDNIGHT_SHANGHAI as T0, MIN, clockFrom, reading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const noActivity = (residentId: string, action: string, more: object = {}) =>
  expect.objectContaining({ kind: 'inactivity.no_activity', action, severity: 'major', subject: `resident:${residentId}`, residentId, ...more });

/** Only Ann and Bob's motion sensors, so expectations stay small. */
function siteWith(input: SiteFixtureInput = {}): SiteModel {
  return buildSite({
    devices: [
      { id: 'motion-101', profile: 'motion-sensor', roomId: 'room-101', residentId: 'ann', transport: 'mqtt' },
      { id: 'motion-102', profile: 'motion-sensor', roomId: 'room-102', residentId: 'bob', transport: 'mqtt' },
      { id: 'smoke-kitchen', profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt' },
    ],
    ...input,
  });
}

function run(site: SiteModel, marbles: string, values: Record<string, StateReading>, expected: [string, Record<string, unknown>], until: number,
  opts: { base?: number; state?: MemoryRuleState; home?: string; homeValues?: Record<string, HomePresence> } = {}) {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const clock = clockFrom(ts, opts.base);
    const index = indexResidentSensors(site);
    const states = hot<StateReading>(marbles, values);
    const home = hot<HomePresence>(opts.home ?? '', opts.homeValues);
    const out = merge(states.pipe(toActivity({ site, index, scheduler: clock })), home).pipe(
      raiseOnInactivity({ site, index, scheduler: clock, state: opts.state ?? new MemoryRuleState(), sweep: interval(5 * MIN, clock) }),
    );
    expectObservable(out, timeline([[until, '!']])).toBe(...expected);
    expectSubscriptions(states.subscriptions).toBe(subscribedUntil(until));
  });
}

describe('raiseOnInactivity: no activity per resident (issue 4)', () => {
  it('continuous: counts only active-period time (07:00–22:00 Asia/Shanghai), raises after 4 h, clears on the next movement', () => {
    const site = siteWith();
    // virtual 0 = 00:00 Shanghai. Ann moves at 09:00 then not until 14:00; Bob moves at 12:00 and 15:00.
    run(site, timeline([[9 * HOUR, 'a'], [12 * HOUR, 'b'], [14 * HOUR, 'A'], [15 * HOUR, 'b']]), {
      a: reading('motion-101', { occupancy: true }, 1),
      A: reading('motion-101', { occupancy: true }, 2),
      b: reading('motion-102', { occupancy: true }, 3),
    }, [timeline([[11 * HOUR, 'B'], [12 * HOUR, 'c'], [13 * HOUR, 'r'], [14 * HOUR, 'x']]), {
      // Bob: nothing since the rule started at 00:00; the night does not count → 07:00 + 4 h
      B: noActivity('bob', 'raise', { ts: T0 + 11 * HOUR, roomId: 'room-102', details: { mode: 'continuous', lastActivityAt: T0, noActivityHours: 4 } }),
      c: noActivity('bob', 'clear', { ts: 3, deviceId: 'motion-102', details: { activity: 'motion' } }),
      r: noActivity('ann', 'raise', { ts: T0 + 13 * HOUR, details: { mode: 'continuous', lastActivityAt: T0 + 9 * HOUR, noActivityHours: 4 } }),
      x: noActivity('ann', 'clear', { ts: 2 }),
    }], 16 * HOUR);
  });

  it('continuous: the last movement of the evening carries over into the morning', () => {
    // Both move every 4 h through the day, last at 21:30: half an hour counts tonight, 3.5 h
    // tomorrow → 10:30 the next day (not 01:30, and not 11:00)
    const moves = [8, 12, 16, 20, 21.5].map((h) => [h * HOUR, 'mb'] as const);
    run(siteWith(), timeline(moves), {
      m: reading('motion-101', { occupancy: true }), b: reading('motion-102', { occupancy: true }),
    }, [timeline([[34.5 * HOUR, 'ab']]), {
      a: noActivity('ann', 'raise', { ts: T0 + 34.5 * HOUR, details: expect.objectContaining({ lastActivityAt: T0 + 21.5 * HOUR }) }),
      b: noActivity('bob', 'raise', { ts: T0 + 34.5 * HOUR }),
    }], 35 * HOUR);
  });

  it('uses the site time zone: the same instants in a UTC site fall in other local hours', () => {
    // In UTC, virtual 0 is 16:00 local: 6 h of the active period remain today, so 4 h → 20:00 (virtual 4 h)
    run(siteWith({ site: { timezone: 'UTC' } }), timeline([[0, 'b']]), { b: reading('motion-102', { occupancy: true }) },
      [timeline([[4 * HOUR, 'ab']]), { a: noActivity('ann', 'raise'), b: noActivity('bob', 'raise') }], 5 * HOUR);
  });

  it('windows: a window that passes without activity raises at its end, including a window across midnight', () => {
    const site = siteWith({
      rules: { inactivity: { mode: 'windows', windows: [{ start: '07:00', end: '09:00' }, { start: '23:00', end: '01:00' }] } },
    });
    // Ann moves at 08:00 (inside the morning window), Bob never; nobody moves during 23:00–01:00.
    run(site, timeline([[8 * HOUR, 'a']]), { a: reading('motion-101', { occupancy: true }) },
      [timeline([[9 * HOUR, 'B'], [25 * HOUR, 'A']]), {
        B: noActivity('bob', 'raise', { ts: T0 + 9 * HOUR, details: { mode: 'windows', lastActivityAt: T0 } }),
        A: noActivity('ann', 'raise', { ts: T0 + 25 * HOUR, details: { mode: 'windows', lastActivityAt: T0 + 8 * HOUR } }),
      }], 26 * HOUR);
  });

  it("merges a resident's overrides over the site's rules (Ann 2 h, Bob the site's 6 h)", () => {
    const site = siteWith({
      rules: { inactivity: { noActivityHours: 6 } },
      residents: [
        { id: 'ann', name: 'Ann', roomId: 'room-101', rules: { inactivity: { noActivityHours: 2 } } },
        { id: 'bob', name: 'Bob', roomId: 'room-102' },
      ],
    });
    run(site, timeline([[8 * HOUR, 'ab']]), { a: reading('motion-101', { occupancy: true }), b: reading('motion-102', { occupancy: true }) },
      [timeline([[10 * HOUR, 'A'], [14 * HOUR, 'B']]), {
        A: noActivity('ann', 'raise', { details: expect.objectContaining({ noActivityHours: 2 }) }),
        B: noActivity('bob', 'raise', { details: expect.objectContaining({ noActivityHours: 6 }) }),
      }], 15 * HOUR);
  });

  it('is suspended while a living-alone resident is out, and counts again from the return', () => {
    run(siteWith(), timeline([[8 * HOUR, 'ab']]), { a: reading('motion-101', { occupancy: true }), b: reading('motion-102', { occupancy: true }) },
      [timeline([[12 * HOUR, 'B'], [17 * HOUR, 'A']]), {
        B: noActivity('bob', 'raise'),
        A: noActivity('ann', 'raise', { ts: T0 + 17 * HOUR }),
      }], 18 * HOUR, {
        home: timeline([[9 * HOUR, 'o'], [13 * HOUR, 'i']]),
        homeValues: { o: { type: 'home', residentId: 'ann', away: true, at: T0 + 9 * HOUR }, i: { type: 'home', residentId: 'ann', away: false, at: T0 + 13 * HOUR } },
      });
  });

  it('after a restart (same store) does not raise again, remembers last activity, and clears on movement', () => {
    const state = new MemoryRuleState();
    const site = siteWith();
    run(site, timeline([[8 * HOUR, 'b']]), { b: reading('motion-102', { occupancy: true }) },
      [timeline([[11 * HOUR, 'A']]), { A: noActivity('ann', 'raise') }], 11.5 * HOUR, { state });
    // restart at 11:30 (virtual time restarts at 0)
    run(site, timeline([[HOUR, 'a']]), { a: reading('motion-101', { occupancy: true }, 5) },
      [timeline([[30 * MIN, 'B'], [HOUR, 'x']]), {
        B: noActivity('bob', 'raise', { ts: T0 + 12 * HOUR, details: expect.objectContaining({ lastActivityAt: T0 + 8 * HOUR }) }),
        x: noActivity('ann', 'clear', { ts: 5 }),
      }], 2 * HOUR, { state, base: T0 + 11.5 * HOUR });
  });

  it('ignores residents without activity sensors and repeated door or bed states', () => {
    const site = siteWith({
      devices: [
        { id: 'door-101', profile: 'door-contact', roomId: 'room-101', residentId: 'ann', transport: 'mqtt' },
        { id: 'smoke-102', profile: 'smoke-detector', roomId: 'room-102', transport: 'mqtt' },
      ],
    });
    // contact true, true (resent), then false at 10:00 (opened): only the change is activity, so
    // Ann is raised at 14:00 (not 12:00 or 13:00), and Bob, with only a smoke detector, never
    run(site, timeline([[8 * HOUR, 'c'], [9 * HOUR, 'c'], [10 * HOUR, 'o']]), {
      c: reading('door-101', { contact: true }), o: reading('door-101', { contact: false }),
    }, [timeline([[14 * HOUR, 'A']]), { A: noActivity('ann', 'raise', { details: expect.objectContaining({ lastActivityAt: T0 + 10 * HOUR }) }) }], 15 * HOUR);
  });
});
