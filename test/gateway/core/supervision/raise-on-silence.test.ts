import { filter, interval } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../../contract/index.ts';
import type { EventDraft } from '../../../../gateway/core/kit/event-draft.ts';
import { raiseOnSilence } from '../../../../gateway/core/supervision/raise-on-silence.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { availabilityOf, buildSite } from '../site-fixture.ts';
import { MIDNIGHT_SHANGHAI as T0, MIN, clockFrom, reading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const site = buildSite({
  devices: [
    { id: 'motion-101', profile: 'motion-sensor', roomId: 'room-101', transport: 'mqtt', reportIntervalSec: 600 },
    { id: 'call-101', profile: 'call-button', roomId: 'room-101', residentId: 'ann', transport: 'mqtt', reportIntervalSec: 1800 },
  ],
});

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

function offline(deviceId: string, action: 'raise' | 'clear', ts: number, more: Partial<EventDraft> = {}): EventDraft {
  return expect.objectContaining({ kind: 'device.offline', subject: `device:${deviceId}`, deviceId, action, severity: 'minor', ts, ...more });
}

describe('raiseOnSilence: device.offline from silence and availability (issue 11)', () => {
  it('raises a device silent beyond its reportIntervalSec at the next sweep, clears on its next report, and unsubscribes', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const clock = clockFrom(ts);
      const readings = cold<Reading>(timeline([[5 * MIN, 'm'], [30 * MIN, 'n']]), {
        m: reading('motion-101', { occupancy: true }, 111),
        n: reading('motion-101', { occupancy: false }, 222),
      });
      const out = readings.pipe(raiseOnSilence({ site, scheduler: clock, state: new MemoryRuleState(), sweep: interval(MIN, clock) }));
      expectObservable(out, timeline([[40 * MIN, '!']])).toBe(timeline([[16 * MIN, 'a'], [30 * MIN, 'b'], [31 * MIN, 'c']]), {
        // silent since 00:05 with a 10-minute period: the 00:16 sweep is the first past it
        a: {
          siteId: 'test', kind: 'device.offline', action: 'raise', severity: 'minor', subject: 'device:motion-101',
          deviceId: 'motion-101', roomId: 'room-101', ts: T0 + 16 * MIN,
          details: { reason: 'silent', reportIntervalSec: 600, lastSeen: T0 + 5 * MIN },
        },
        b: offline('motion-101', 'clear', 222, { source: { transport: 'mqtt' } }),
        // never heard from: counts from the rule's start
        c: offline('call-101', 'raise', T0 + 31 * MIN, { residentId: 'ann' }),
      });
      expectSubscriptions(readings.subscriptions).toBe(subscribedUntil(40 * MIN));
    });
  });

  it('raises on availability offline at once, and clears on availability online', () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const clock = clockFrom(ts);
      const readings = hot<Reading>(timeline([[2 * MIN, 'x'], [3 * MIN, 'x'], [4 * MIN, 'o']]), {
        x: availabilityOf('motion-101', false, 7),
        o: availabilityOf('motion-101', true, 8),
      });
      const out = readings.pipe(raiseOnSilence({ site, scheduler: clock, state: new MemoryRuleState(), sweep: interval(MIN, clock) }));
      expectObservable(out, timeline([[9 * MIN, '!']])).toBe(timeline([[2 * MIN, 'a'], [4 * MIN, 'b']]), {
        a: offline('motion-101', 'raise', 7, { details: expect.objectContaining({ reason: 'availability' }) }),
        b: offline('motion-101', 'clear', 8),
      });
    });
  });

  it('folds a flapping device: raise, clear, raise (count 2, flapping), then one clear with the count once stable for flapWindowMin', () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const clock = clockFrom(ts);
      const flaps: Array<[number, string]> = [];
      for (let i = 0; i < 5; i++) flaps.push([(10 + 2 * i) * MIN, 'x'], [(11 + 2 * i) * MIN, 'o']);
      for (let t = 25; t <= 50; t += 5) flaps.push([t * MIN, 's']); // then it reports normally
      const readings = hot<Reading>(timeline(flaps), {
        x: availabilityOf('motion-101', false, 1), o: availabilityOf('motion-101', true, 2), s: reading('motion-101', { occupancy: false }),
      });
      const out = readings.pipe(
        raiseOnSilence({ site, scheduler: clock, state: new MemoryRuleState(), sweep: interval(MIN, clock) }),
        filter((e) => e.deviceId === 'motion-101'),
      );
      // last restore at 00:19; held until stable for 30 min → the 00:49 sweep sends it
      expectObservable(out, timeline([[55 * MIN, '!']])).toBe(timeline([[10 * MIN, 'a'], [11 * MIN, 'b'], [12 * MIN, 'c'], [49 * MIN, 'd']]), {
        a: offline('motion-101', 'raise', 1),
        b: offline('motion-101', 'clear', 2),
        c: offline('motion-101', 'raise', 1, { count: 2, details: expect.objectContaining({ flapping: true }) }),
        d: offline('motion-101', 'clear', T0 + 49 * MIN, { count: 5, details: { flaps: 5 } }),
      });
    });
  });

  it('after a restart (same store) neither re-raises an open alarm nor forgets a silent device', () => {
    const state = new MemoryRuleState();
    const first = testScheduler();
    first.run(({ cold, expectObservable }) => {
      const clock = clockFrom(first);
      const out = cold<Reading>('').pipe(raiseOnSilence({ site, scheduler: clock, state, sweep: interval(MIN, clock) }));
      expectObservable(out, timeline([[30 * MIN, '!']])).toBe(timeline([[11 * MIN, 'a']]), { a: offline('motion-101', 'raise', T0 + 11 * MIN) });
    });
    // The gateway restarts 30 min later (virtual time restarts at 00:30).
    const second = testScheduler();
    second.run(({ cold, expectObservable, expectSubscriptions }) => {
      const clock = clockFrom(second, T0 + 30 * MIN);
      const readings = cold<Reading>(timeline([[40 * MIN, 'm']]), { m: reading('motion-101', { occupancy: true }, 5) });
      const out = readings.pipe(raiseOnSilence({ site, scheduler: clock, state, sweep: interval(MIN, clock) }));
      // call-101 has been silent since 00:00 (stored) and is due 30 min later. The store keeps lastSeen
      // with a slack of 1/8 period (3.75 min) so a restart reports late, never early: the 00:34 sweep.
      expectObservable(out, timeline([[50 * MIN, '!']])).toBe(timeline([[4 * MIN, 'c'], [40 * MIN, 'b']]), {
        c: offline('call-101', 'raise', T0 + 34 * MIN),
        b: offline('motion-101', 'clear', 5),
      });
      expectSubscriptions(readings.subscriptions).toBe(subscribedUntil(50 * MIN));
    });
  });

  it('ignores readings of devices the site does not know', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const clock = clockFrom(ts);
      const readings = cold<Reading>('a', { a: availabilityOf('stranger', false) });
      const out = readings.pipe(raiseOnSilence({ site, scheduler: clock, state: new MemoryRuleState(), sweep: interval(MIN, clock) }));
      expectObservable(out, timeline([[5 * MIN, '!']])).toBe('');
    });
  });
});
