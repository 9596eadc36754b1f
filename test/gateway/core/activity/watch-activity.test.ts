import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../../contract/index.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { watchActivity } from '../../../../gateway/core/activity/watch-activity.ts';
import { HOUR, MIDNIGHT_SHANGHAI as T0, MIN, clockFrom, homeSite, reading as anyReading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const reading = (id: string, fields: StateReading['fields'], ts = 0) => anyReading(id, fields, ts, 'home-li');
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const values: Record<string, StateReading> = {
  i: reading('bed-li', { in_bed: true }),
  o: reading('bed-li', { in_bed: false }),
  c: reading('door-hall', { contact: true }),
  d: reading('door-hall', { contact: false }),
  m: reading('motion-living', { occupancy: true }),
  F: reading('radar-bedroom', { presence: true, fall_down_status: 'fall' }),
};
const ev = (kind: string, action: string, more: object = {}) => expect.objectContaining({ kind, action, siteId: 'home-li', ...more });

describe('watchActivity: the living-alone watch of a home site (issue 11)', () => {
  it('going out suspends no-activity, coming back resumes it; a night bed exit without return raises; a radar fall is critical', () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const clock = clockFrom(ts);
      const story: Array<[number, string]> = [
        [0, 'i'], [0, 'c'], // asleep, door closed
        [7 * HOUR, 'o'], // gets up at 07:00 (the night ended at 06:00)
        [8 * HOUR, 'd'], [8 * HOUR + MIN, 'c'], // goes out at 08:01 …
        [15 * HOUR, 'd'], [15 * HOUR + MIN, 'c'], [15 * HOUR + 2 * MIN, 'm'], // … back at 15:02 (7 h out: no alarm)
        // no movement after 15:02 → 4 h → 19:02 (the 19:05 sweep)
        [21 * HOUR, 'm'], [21 * HOUR + 30 * MIN, 'i'], // back to bed at 21:30
        [26 * HOUR, 'o'], // 02:00 out of bed, never back → 02:30
        [27 * HOUR, 'F'],
      ];
      const states = hot<StateReading>(timeline(story), values);
      const out = states.pipe(watchActivity({ site: homeSite(), scheduler: clock, state: new MemoryRuleState(), sweepEverySec: 300 }));
      expectObservable(out, timeline([[28 * HOUR, '!']])).toBe(timeline([[19 * HOUR + 5 * MIN, 'n'], [21 * HOUR, 'N'], [26.5 * HOUR, 'b'], [27 * HOUR, 'f']]), {
        n: ev('inactivity.no_activity', 'raise', { subject: 'resident:li', ts: T0 + 19 * HOUR + 5 * MIN }),
        N: ev('inactivity.no_activity', 'clear', { subject: 'resident:li' }),
        b: ev('inactivity.bed_exit', 'raise', { subject: 'resident:li', deviceId: 'bed-li', ts: T0 + 26.5 * HOUR }),
        f: ev('fall.detected', 'raise', { subject: 'device:radar-bedroom', severity: 'critical' }),
      });
      expectSubscriptions(states.subscriptions).toBe(subscribedUntil(28 * HOUR));
    });
  });

  it('a restarted watch (same store) still knows the resident is out and does not raise', () => {
    const state = new MemoryRuleState();
    const first = testScheduler();
    first.run(({ hot, expectObservable }) => {
      const clock = clockFrom(first);
      const states = hot<StateReading>(timeline([[8 * HOUR, 'm'], [9 * HOUR, 'd'], [9 * HOUR + MIN, 'c'], [9 * HOUR + 2 * MIN, 'd'], [9 * HOUR + 3 * MIN, 'c']]), values);
      expectObservable(states.pipe(watchActivity({ site: homeSite(), scheduler: clock, state, sweepEverySec: 300 })), timeline([[10 * HOUR, '!']])).toBe('');
    });
    const second = testScheduler();
    second.run(({ hot, expectObservable }) => {
      const clock = clockFrom(second, T0 + 10 * HOUR);
      const states = hot<StateReading>(timeline([[8 * HOUR, 'm']]), values); // back at 18:00
      expectObservable(states.pipe(watchActivity({ site: homeSite(), scheduler: clock, state, sweepEverySec: 300 })), timeline([[13 * HOUR, '!']]))
        .toBe(timeline([[12 * HOUR, 'n']]), { n: ev('inactivity.no_activity', 'raise', { ts: T0 + 22 * HOUR }) });
    });
  });
});
