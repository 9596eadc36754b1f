import { interval } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../../contract/index.ts';
import { provesWorking, remindUntestedDevices } from '../../../../gateway/core/supervision/remind-untested-devices.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { buildSite } from '../site-fixture.ts';
import { DAY, HOUR, MIDNIGHT_SHANGHAI as T0, clockFrom, reading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const site = buildSite();
/** The same site with the wearable's profile saying it needs no weekly test: only the buttons remain. */
const buttonsOnly = (input = {}) => buildSite(input, { wearable: { testable: false } });
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const untested = (deviceId: string, action: string, more: object = {}) =>
  expect.objectContaining({ kind: 'device.untested', action, severity: 'minor', subject: `device:${deviceId}`, deviceId, ...more });

describe('remindUntestedDevices: weekly test of call buttons and wearables (JGJ/T 484-2019 10.3.1)', () => {
  it('a press, alarm or test report is a proof; a smoke report or a worn flag is not', () => {
    expect([{ action: 'single' }, { action: 'cancel' }, { test: true }, { sos: true }, { fall: true }].map((f) => provesWorking(f as never))).toEqual([true, true, true, true, true]);
    expect([{ smoke: true }, { worn: true }, { test: false }, { sos: false }].map((f) => provesWorking(f as never))).toEqual([false, false, false, false]);
  });

  it('raises a minor reminder for a device with no proof in untestedDays, clears on the next press, and ignores untestable profiles', () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const clock = clockFrom(ts);
      const readings = hot<StateReading>(timeline([[2 * DAY, 'p'], [8 * DAY, 'q'], [8 * DAY + HOUR, 's']]), {
        p: reading('call-101', { action: 'single' }, 1), // Ann tests her button on day 2
        q: reading('call-102', { action: 'single' }, 2), // Bob presses his on day 8, a day late
        s: reading('smoke-kitchen', { test: true }, 3), // a smoke detector test: not this rule's
      });
      const out = readings.pipe(remindUntestedDevices({ site, scheduler: clock, state: new MemoryRuleState(), sweep: interval(HOUR, clock) }));
      // counted from the rule's start: Bob's button and Ann's wearable are due at day 7, Ann's button at day 9
      expectObservable(out, timeline([[10 * DAY, '!']])).toBe(timeline([[7 * DAY, 'bw'], [8 * DAY, 'B'], [9 * DAY, 'a']]), {
        b: untested('call-102', 'raise', { ts: T0 + 7 * DAY, details: { lastProofAt: T0, untestedDays: 7 } }),
        w: untested('wearable-ann', 'raise'),
        B: untested('call-102', 'clear', { ts: 2 }),
        a: untested('call-101', 'raise', { details: { lastProofAt: T0 + 2 * DAY, untestedDays: 7 } }),
      });
      expectSubscriptions(readings.subscriptions).toBe(subscribedUntil(10 * DAY));
    });
  });

  it('takes its period from rules.devices.untestedDays and its devices from the profiles (`testable`)', () => {
    const s = buttonsOnly({ rules: { devices: { untestedDays: 2 } } });
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const clock = clockFrom(ts);
      const out = hot<StateReading>('').pipe(remindUntestedDevices({
        site: s, scheduler: clock, state: new MemoryRuleState(), sweep: interval(HOUR, clock),
      }));
      expectObservable(out, timeline([[3 * DAY, '!']])).toBe(timeline([[2 * DAY, 'ab']]), {
        a: untested('call-101', 'raise'), b: untested('call-102', 'raise'),
      });
    });
  });

  it('after a restart (same store) remembers the last proof and the open reminder', () => {
    const state = new MemoryRuleState();
    const site = buttonsOnly();
    const first = testScheduler();
    first.run(({ hot, expectObservable }) => {
      const clock = clockFrom(first);
      const out = hot<StateReading>('').pipe(remindUntestedDevices({ site, scheduler: clock, state, sweep: interval(HOUR, clock) }));
      expectObservable(out, timeline([[7 * DAY + 2 * HOUR, '!']])).toBe(timeline([[7 * DAY, 'ab']]), {
        a: untested('call-101', 'raise'), b: untested('call-102', 'raise'),
      });
    });
    const second = testScheduler();
    second.run(({ cold, expectObservable }) => {
      const clock = clockFrom(second, T0 + 7 * DAY + 3 * HOUR);
      const readings = cold<StateReading>(timeline([[HOUR, 'p']]), { p: reading('call-101', { action: 'double' }, 9) });
      const out = readings.pipe(remindUntestedDevices({ site, scheduler: clock, state, sweep: interval(HOUR, clock) }));
      expectObservable(out, timeline([[2 * DAY, '!']])).toBe(timeline([[HOUR, 'c']]), { c: untested('call-101', 'clear', { ts: 9 }) });
    });
  });
});
