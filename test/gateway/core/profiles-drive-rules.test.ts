import { interval } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../contract/index.ts';
import { listProfiles } from '../../../devices/registry.ts';
import { watchActivity } from '../../../gateway/core/activity/watch-activity.ts';
import { READABLE_ACTIVITY_FIELDS } from '../../../gateway/core/activity/to-activity.ts';
import { MemoryRuleState } from '../../../gateway/core/kit/rule-state.ts';
import { remindUntestedDevices } from '../../../gateway/core/supervision/remind-untested-devices.ts';
import { type ProfileEdits, buildSite } from './site-fixture.ts';
import { DAY, HOUR, MIDNIGHT_SHANGHAI as T0, clockFrom, homeSite, reading, timeline } from './site-fixture-activity.ts';

// Issue 21: the device profiles (devices/profiles) are the single source of what a device feeds.
// These tests change a profile, and nothing else, and watch the rules' behaviour change with it.
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const ev = (kind: string, action: string, more: object = {}) => expect.objectContaining({ kind, action, ...more });

describe('profiles drive the rules', () => {
  it('every profile names as activity only fields the activity rules can read', () => {
    for (const p of listProfiles()) for (const f of p.activitySignals) expect(READABLE_ACTIVITY_FIELDS, `${p.id}: ${f}`).toContain(f);
  });

  it('`testable`: a smoke detector whose profile says testable gets weekly reminders; its test button clears them', () => {
    const edits: ProfileEdits = { 'smoke-detector': { testable: true }, 'call-button': { testable: false }, wearable: { testable: false } };
    const run = (site: ReturnType<typeof buildSite>) => {
      const ts = testScheduler();
      ts.run(({ hot, expectObservable }) => {
        const clock = clockFrom(ts);
        const readings = hot<StateReading>(timeline([[2 * DAY, 't']]), { t: reading('smoke-kitchen', { test: true }, 5) });
        const out = readings.pipe(remindUntestedDevices({ site, scheduler: clock, state: new MemoryRuleState(), sweep: interval(HOUR, clock) }));
        if (site.devices.get('smoke-kitchen')!.profile.testable) {
          // untestedDays 7, counted from the rule's start: the two untested detectors at day 7, the kitchen's (tested day 2) at day 9
          expectObservable(out, timeline([[10 * DAY, '!']])).toBe(timeline([[7 * DAY, 'cr'], [9 * DAY, 'k']]), {
            c: ev('device.untested', 'raise', { deviceId: 'smoke-corridor' }),
            r: ev('device.untested', 'raise', { deviceId: 'smoke-101' }),
            k: ev('device.untested', 'raise', { deviceId: 'smoke-kitchen', details: { lastProofAt: T0 + 2 * DAY, untestedDays: 7 } }),
          });
        } else {
          expectObservable(out, timeline([[10 * DAY, '!']])).toBe('');
        }
      });
    };
    run(buildSite({}, edits));
    run(buildSite({}, { 'call-button': { testable: false }, wearable: { testable: false } })); // the product's smoke profile: not testable
  });

  it('`activitySignals`: a watch\'s rising step count is activity only while its profile says so', () => {
    // Li moves in the living room at 08:00, then only her watch's step count rises (10:00, 11:00).
    // The product's watch-4g profile counts steps: 4 h from 11:00 → 15:00. Without `steps`: 4 h from 08:00 → 12:00.
    const run = (edits: ProfileEdits, raisedAt: number) => {
      const ts = testScheduler();
      ts.run(({ hot, expectObservable }) => {
        const clock = clockFrom(ts);
        const states = hot<StateReading>(timeline([[8 * HOUR, 'm'], [10 * HOUR, 'a'], [11 * HOUR, 'b']]), {
          m: reading('motion-living', { occupancy: true }, 0, 'home-li'),
          a: reading('watch-li', { steps: 100 }, 0, 'home-li'),
          b: reading('watch-li', { steps: 900 }, 0, 'home-li'),
        });
        const site = homeSite({}, edits);
        const out = states.pipe(watchActivity({ site, scheduler: clock, state: new MemoryRuleState(), sweepEverySec: 300 }));
        expectObservable(out, timeline([[16 * HOUR, '!']])).toBe(timeline([[raisedAt, 'n']]), {
          n: ev('inactivity.no_activity', 'raise', { subject: 'resident:li', ts: T0 + raisedAt }),
        });
      });
    };
    run({}, 15 * HOUR);
    run({ 'watch-4g': { activitySignals: [] } }, 12 * HOUR);
    // Still an activity sensor of Li's, but one whose profile counts another field: its steps say nothing.
    run({ 'watch-4g': { activitySignals: ['occupancy'] } }, 12 * HOUR);
  });
});
