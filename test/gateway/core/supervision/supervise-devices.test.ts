import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { LinkStatus, Reading } from '../../../../contract/index.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { superviseDevices } from '../../../../gateway/core/supervision/supervise-devices.ts';
import { buildSite } from '../site-fixture.ts';
import { DAY, HOUR, MIN, clockFrom, reading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const site = buildSite({
  bridges: [{ name: 'z2m' }],
  devices: [
    { id: 'smoke-kitchen', profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt', reportIntervalSec: 3600 },
    { id: 'call-101', profile: 'call-button', roomId: 'room-101', residentId: 'ann', transport: 'zigbee2mqtt', friendlyName: 'call-101', reportIntervalSec: 7200 },
  ],
});

describe('superviseDevices: supervision of one site (issue 11)', () => {
  it('combines silence, trouble, link root cause and untested reminders on one sweep', () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const clock = clockFrom(ts);
      const hourly: Array<[number, string]> = [];
      for (let t = 0; t < 9 * DAY; t += 50 * MIN) hourly.push([t, t < DAY ? 'sc' : 's']); // the button falls silent after day 1
      const readings = hot<Reading>(timeline([...hourly, [30 * MIN, 'b'], [DAY, 'p'], [DAY + 10 * MIN, 'P']]), {
        s: reading('smoke-kitchen', { smoke: false }),
        c: reading('call-101', { battery: 80 }),
        b: reading('smoke-kitchen', { battery: 9 }, 9),
        p: reading('call-101', { action: 'single' }, 1),
        P: reading('call-101', { action: 'cancel' }, 2),
      });
      const links = hot<LinkStatus>(timeline([[3 * DAY, 'd'], [3 * DAY + HOUR, 'u']]), {
        d: { link: 'zigbee2mqtt:z2m', transport: 'zigbee2mqtt', up: false, ts: 3 },
        u: { link: 'zigbee2mqtt:z2m', transport: 'zigbee2mqtt', up: true, ts: 4 },
      });
      const out = readings.pipe(superviseDevices({ site, scheduler: clock, state: new MemoryRuleState(), links, sweepEverySec: 600 }));
      // call-101 last heard at DAY+10m with a 2 h period → silent at DAY+2h10m+: the DAY+2h20m sweep
      expectObservable(out, timeline([[8 * DAY + 12 * HOUR, '!']])).toBe(timeline([
        [30 * MIN, 'B'], [DAY + 2 * HOUR + 20 * MIN, 'o'], [3 * DAY, 'L'], [3 * DAY + HOUR, 'l'], [8 * DAY + 10 * MIN, 'U'],
      ]), {
        B: expect.objectContaining({ kind: 'device.battery_low', action: 'raise', deviceId: 'smoke-kitchen', ts: 9 }),
        o: expect.objectContaining({ kind: 'device.offline', action: 'raise', deviceId: 'call-101' }),
        L: expect.objectContaining({ kind: 'device.offline', action: 'raise', subject: 'link:zigbee2mqtt:z2m', details: { transport: 'zigbee2mqtt', devicesAffected: 1 } }),
        l: expect.objectContaining({ kind: 'device.offline', action: 'clear', subject: 'link:zigbee2mqtt:z2m' }),
        U: expect.objectContaining({ kind: 'device.untested', action: 'raise', deviceId: 'call-101' }),
      });
      expectSubscriptions(readings.subscriptions).toBe(subscribedUntil(8 * DAY + 12 * HOUR));
      expectSubscriptions(links.subscriptions).toBe(subscribedUntil(8 * DAY + 12 * HOUR));
    });
  });
});
