import { interval } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../../contract/index.ts';
import { raiseDeviceTrouble } from '../../../../gateway/core/supervision/raise-device-trouble.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { buildSite } from '../site-fixture.ts';
import { MIDNIGHT_SHANGHAI as T0, MIN, clockFrom, reading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const site = buildSite();
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const ev = (kind: string, action: string, more: object = {}) => expect.objectContaining({ kind, action, subject: 'device:smoke-kitchen', ...more });

describe('raiseDeviceTrouble: battery_low, tamper, fault with restores (issue 11)', () => {
  it('raises on the flag or on a level at or under batteryLowPercent (15 %), once, and restores on a new battery', () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const clock = clockFrom(ts);
      const readings = hot<StateReading>(timeline([[1 * MIN, 'a'], [2 * MIN, 'b'], [3 * MIN, 'c'], [4 * MIN, 'd'], [5 * MIN, 'e'], [6 * MIN, 'f']]), {
        a: reading('smoke-kitchen', { battery: 40, smoke: false }, 1),
        b: reading('smoke-kitchen', { battery: 15 }, 2), // at the threshold: low
        c: reading('smoke-kitchen', { battery: 14, battery_low: false }, 3), // the level wins over a stale flag: still low, no repeat
        d: reading('smoke-kitchen', { battery: 100 }, 4), // new battery
        e: reading('heat-kitchen', { battery_low: true }, 5), // a flag alone
        f: reading('heat-kitchen', { battery_low: true }, 6), // Zigbee2MQTT resending cached state
      });
      const out = readings.pipe(raiseDeviceTrouble({ site, scheduler: clock, state: new MemoryRuleState(), sweep: interval(MIN, clock) }));
      expectObservable(out, timeline([[10 * MIN, '!']])).toBe(timeline([[2 * MIN, 'L'], [4 * MIN, 'R'], [5 * MIN, 'H']]), {
        L: {
          siteId: 'test', kind: 'device.battery_low', action: 'raise', severity: 'warning', subject: 'device:smoke-kitchen',
          deviceId: 'smoke-kitchen', roomId: 'kitchen', ts: 2, source: { transport: 'mqtt' }, details: { battery: 15 },
        },
        R: ev('device.battery_low', 'clear', { ts: 4, details: { battery: 100 } }),
        H: expect.objectContaining({ kind: 'device.battery_low', action: 'raise', deviceId: 'heat-kitchen' }),
      });
      expectSubscriptions(readings.subscriptions).toBe(subscribedUntil(10 * MIN));
    });
  });

  it('raises tamper and fault with their restores; a missing field restores nothing', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const clock = clockFrom(ts);
      const readings = cold<StateReading>(timeline([[MIN, 'a'], [2 * MIN, 'b'], [3 * MIN, 'c'], [4 * MIN, 'd']]), {
        a: reading('smoke-kitchen', { tamper: true, fault: true }),
        b: reading('smoke-kitchen', { smoke: false }),
        c: reading('smoke-kitchen', { tamper: false }),
        d: reading('smoke-kitchen', { fault: false }),
      });
      const out = readings.pipe(raiseDeviceTrouble({ site, scheduler: clock, state: new MemoryRuleState(), sweep: interval(MIN, clock) }));
      expectObservable(out, timeline([[10 * MIN, '!']])).toBe(timeline([[MIN, 'tf'], [3 * MIN, 'T'], [4 * MIN, 'F']]), {
        t: ev('device.tamper', 'raise', { severity: 'minor' }),
        f: ev('device.fault', 'raise', { severity: 'minor' }),
        T: ev('device.tamper', 'clear'),
        F: ev('device.fault', 'clear'),
      });
    });
  });

  it('folds a tamper switch that flaps: four events for ten flaps, the last clear a window after it settles', () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const clock = clockFrom(ts);
      const flaps: Array<[number, string]> = [];
      for (let i = 0; i < 10; i++) flaps.push([(1 + 2 * i) * MIN, 'o'], [(2 + 2 * i) * MIN, 'x']);
      const readings = hot<StateReading>(timeline(flaps), { o: reading('smoke-kitchen', { tamper: true }), x: reading('smoke-kitchen', { tamper: false }) });
      const out = readings.pipe(raiseDeviceTrouble({ site, scheduler: clock, state: new MemoryRuleState(), sweep: interval(MIN, clock) }));
      expectObservable(out, timeline([[60 * MIN, '!']])).toBe(timeline([[1 * MIN, 'a'], [2 * MIN, 'b'], [3 * MIN, 'c'], [50 * MIN, 'd']]), {
        a: ev('device.tamper', 'raise'),
        b: ev('device.tamper', 'clear'),
        c: ev('device.tamper', 'raise', { count: 2, details: { flapping: true } }),
        d: ev('device.tamper', 'clear', { count: 10, ts: T0 + 50 * MIN, details: { flaps: 10 } }),
      });
    });
  });

  it('after a restart (same store) does not raise an open trouble again, and still restores it', () => {
    const state = new MemoryRuleState();
    const first = testScheduler();
    first.run(({ cold, expectObservable }) => {
      const clock = clockFrom(first);
      const out = cold<StateReading>('a', { a: reading('smoke-kitchen', { fault: true }) })
        .pipe(raiseDeviceTrouble({ site, scheduler: clock, state, sweep: interval(MIN, clock) }));
      expectObservable(out, timeline([[5 * MIN, '!']])).toBe('a', { a: ev('device.fault', 'raise') });
    });
    const second = testScheduler();
    second.run(({ cold, expectObservable }) => {
      const clock = clockFrom(second, T0 + 5 * MIN);
      const out = cold<StateReading>('a b', { a: reading('smoke-kitchen', { fault: true }), b: reading('smoke-kitchen', { fault: false }) })
        .pipe(raiseDeviceTrouble({ site, scheduler: clock, state, sweep: interval(MIN, clock) }));
      expectObservable(out, timeline([[5 * MIN, '!']])).toBe('- b', { b: ev('device.fault', 'clear') });
    });
  });
});
