import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DeviceFields, Reading } from '../../../contract/index.ts';
import { MemoryRuleState } from '../../../gateway/core/kit/rule-state.ts';
import { VirtualClock } from '../../../gateway/core/kit/virtual-clock.ts';
import { watchSite } from '../../../gateway/core/watch-site.ts';
import { homeSite } from './site-fixture-activity.ts';

// Issue 15 defect 5, as a whole day and a half in the full rules (watchSite) of a home of a person
// living alone, in virtual time, with the gateway restarted in the evening (same rule state).
// The story, local time Asia/Shanghai, 2024-03-05:
// - Li gets up at 07:00 and moves about; at 09:00 she goes out (entrance door opens and closes);
// - she is not back by 23:00 (her latest return time, the default) → inactivity.not_back;
// - the gateway restarts at 22:00: the deadline and the away state survive it;
// - 01:30 she comes in; the door closes and nothing moves for 4 h → inactivity.no_activity (came_in);
// - 06:00 she is up (motion): both alarms are cleared.
const START = Date.UTC(2024, 2, 4, 16, 0, 0); // 2024-03-05 00:00 +08:00
const at = (h: number, m = 0) => START + (h * 60 + m) * 60_000;

interface Step { at: number; deviceId: string; fields: DeviceFields }
function story(): Step[] {
  const steps: Step[] = [{ at: at(6, 59), deviceId: 'door-hall', fields: { contact: true } }];
  for (let m = 7 * 60; m < 9 * 60; m += 15) steps.push({ at: START + m * 60_000, deviceId: 'motion-living', fields: { occupancy: true } });
  steps.push({ at: at(9, 0), deviceId: 'door-hall', fields: { contact: false } }, { at: at(9, 1), deviceId: 'door-hall', fields: { contact: true } });
  steps.push({ at: at(25, 30), deviceId: 'door-hall', fields: { contact: false } }, { at: at(25, 31), deviceId: 'door-hall', fields: { contact: true } });
  steps.push({ at: at(30, 0), deviceId: 'motion-living', fields: { occupancy: true } });
  return steps;
}

describe('a day of a person living alone who goes out and is late back', () => {
  it('raises not_back at 23:00, came_in no-activity 4 h after coming in, clears both when she moves; a restart changes nothing', () => {
    // Only the door and motion sensor: supervision of the other devices is not this story.
    const site = homeSite({ devices: [
      { id: 'door-hall', profile: 'door-contact', roomId: 'hall', transport: 'mqtt', reportIntervalSec: 7 * 86400 },
      { id: 'motion-living', profile: 'motion-sensor', roomId: 'living', transport: 'mqtt', reportIntervalSec: 7 * 86400 },
    ] });
    const clock = new VirtualClock(START);
    const state = new MemoryRuleState();
    const input = new Subject<Reading>();
    const seen: Array<{ time: number; kind: string; action: string; mode?: unknown }> = [];
    const rules = input.pipe(watchSite({ site, scheduler: clock, state }));
    const start = () => rules.subscribe((d) => {
      if (d.kind.startsWith('inactivity.')) seen.push({ time: clock.now(), kind: d.kind, action: d.action, ...(d.details?.mode ? { mode: d.details.mode } : {}) });
    });
    let sub = start();
    let restarted = false;
    for (const s of story()) {
      if (!restarted && s.at > at(22)) {
        clock.advanceTo(at(22));
        sub.unsubscribe();
        sub = start();
        restarted = true;
      }
      clock.advanceTo(s.at);
      input.next({ type: 'state', siteId: site.id, deviceId: s.deviceId, ts: s.at, receivedAt: s.at, source: { transport: 'mqtt' }, fields: s.fields });
    }
    clock.advanceTo(at(31));
    sub.unsubscribe();

    // Sweeps run every 30 s from the site's phase: a deadline is seen within 30 s (times below
    // are rounded down to the half minute).
    expect(seen.map((e) => ({ ...e, time: Math.floor((e.time - START) / 30_000) * 30_000 + START }))).toEqual([
      { time: at(23), kind: 'inactivity.not_back', action: 'raise' },
      { time: at(25, 31), kind: 'inactivity.not_back', action: 'clear' },
      { time: at(29, 31), kind: 'inactivity.no_activity', action: 'raise', mode: 'came_in' },
      { time: at(30), kind: 'inactivity.no_activity', action: 'clear' },
    ]);
    expect(clock.pending).toBe(0); // unsubscribing stopped every timer and sweep
  });
});
