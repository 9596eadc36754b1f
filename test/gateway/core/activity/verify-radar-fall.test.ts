import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../../contract/index.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { verifyRadarFall } from '../../../../gateway/core/activity/verify-radar-fall.ts';
import { MIDNIGHT_SHANGHAI as T0, MIN, SEC, clockFrom, homeSite, reading as anyReading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const reading = (id: string, fields: StateReading['fields'], ts = 0) => anyReading(id, fields, ts, 'home-li');
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const site = homeSite();
const values: Record<string, StateReading> = {
  F: reading('radar-bedroom', { presence: true, fall_down_status: 'fall' }, 1),
  m: reading('radar-bedroom', { presence: true, fall_down_status: 'maybe_fall' }, 2),
  n: reading('radar-bedroom', { presence: true, fall_down_status: 'none' }, 3),
  z: reading('radar-bedroom', { presence: false, fall_down_status: 'none' }, 4),
  p: reading('radar-bedroom', { presence: true }, 5),
  b: reading('bed-li', { in_bed: true }, 6),
  l: reading('motion-living', { occupancy: true }, 7), // another room
};
const fall = (action: string, more: object = {}) =>
  expect.objectContaining({ kind: 'fall.detected', action, subject: 'device:radar-bedroom', deviceId: 'radar-bedroom', roomId: 'bedroom', ...more });

function run(marbles: string, expected: [string, Record<string, unknown>?], until: number, base = T0, state = new MemoryRuleState()) {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const clock = clockFrom(ts, base);
    const states = hot<StateReading>(marbles, values);
    expectObservable(states.pipe(verifyRadarFall({ site, scheduler: clock, state })), timeline([[until, '!']])).toBe(...expected);
    expectSubscriptions(states.subscriptions).toBe(subscribedUntil(until));
  });
}

describe('verifyRadarFall: fall radars (issue 4)', () => {
  it("'fall' is a critical fall.detected at once, reported once; 'none' with someone seen clears it", () => {
    run(timeline([[MIN, 'F'], [2 * MIN, 'F'], [3 * MIN, 'z'], [4 * MIN, 'p']]), [timeline([[MIN, 'r'], [4 * MIN, 'c']]), {
      r: fall('raise', { severity: 'critical', ts: 1, source: { transport: 'mqtt' }, details: { status: 'fall' } }),
      // 'none' without presence (radar lost sight) is not enough; presence after it is
      c: fall('clear', { severity: 'critical', ts: 5 }),
    }], 10 * MIN);
  });

  it("'maybe_fall' with no movement for fallVerifySec (60 s) becomes a major fall.detected", () => {
    run(timeline([[MIN, 'm'], [MIN + 30 * SEC, 'm'], [MIN + 40 * SEC, 'z']]), [timeline([[2 * MIN, 'r']]), {
      r: fall('raise', { severity: 'major', ts: T0 + 2 * MIN, details: { status: 'maybe_fall', verifiedSec: 60 } }),
    }], 5 * MIN);
  });

  it("'maybe_fall' followed by normal movement raises nothing: radar 'none' with presence, or the room's bed", () => {
    run(timeline([[MIN, 'm'], [MIN + 20 * SEC, 'n'], [3 * MIN, 'm'], [3 * MIN + 10 * SEC, 'b']]), [''], 10 * MIN);
  });

  it('motion in another room is not movement in this one', () => {
    run(timeline([[MIN, 'm'], [MIN + 20 * SEC, 'l']]), [timeline([[2 * MIN, 'r']]), { r: fall('raise', { severity: 'major' }) }], 5 * MIN);
  });

  it("a confirmed 'fall' during verification raises critical at once and ends the verification", () => {
    run(timeline([[MIN, 'm'], [MIN + 10 * SEC, 'F']]), [timeline([[MIN + 10 * SEC, 'r']]), { r: fall('raise', { severity: 'critical' }) }], 5 * MIN);
  });

  it('after a restart (same store) a pending verification still fires on time, and an open fall is not raised again', () => {
    const state = new MemoryRuleState();
    // maybe_fall at 00:01, restart at 00:01:30
    run(timeline([[MIN, 'm']]), [''], MIN + 30 * SEC, T0, state);
    run(timeline([[MIN, 'm'], [2 * MIN, 'n']]), [timeline([[30 * SEC, 'r'], [2 * MIN, 'c']]), {
      r: fall('raise', { severity: 'major', ts: T0 + 2 * MIN }),
      c: fall('clear'),
    }], 3 * MIN, T0 + MIN + 30 * SEC, state);
  });

  it('unsubscribing cancels a pending verification timer', () => {
    const ts = testScheduler();
    const timers: Array<{ closed: boolean }> = [];
    ts.run(({ hot, expectObservable }) => {
      const clock = clockFrom(ts);
      const spy = { now: clock.now, schedule: ((...a: Parameters<typeof clock.schedule>) => {
        const sub = clock.schedule(...a);
        timers.push(sub);
        return sub;
      }) as typeof clock.schedule };
      const states = hot<StateReading>(timeline([[MIN, 'm']]), values);
      // unsubscribed 30 s into the verification: nothing fires, and the timer is gone
      expectObservable(states.pipe(verifyRadarFall({ site, scheduler: spy, state: new MemoryRuleState() })), timeline([[MIN + 30 * SEC, '!']])).toBe('');
    });
    expect(timers).toHaveLength(1);
    expect(timers[0]!.closed).toBe(true);
  });
});
