import { filter, interval, merge } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { LinkStatus, Reading } from '../../../../contract/index.ts';
import { LinkRegistry, raiseOnLinkDown } from '../../../../gateway/core/supervision/raise-on-link-down.ts';
import { raiseOnSilence } from '../../../../gateway/core/supervision/raise-on-silence.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { availabilityOf, buildSite } from '../site-fixture.ts';
import { MIDNIGHT_SHANGHAI as T0, MIN, clockFrom, reading, subscribedUntil, timeline } from '../site-fixture-activity.ts';

const z2m = (id: string) => ({ id, profile: 'motion-sensor', roomId: 'corridor', transport: 'zigbee2mqtt' as const, friendlyName: id, reportIntervalSec: 600 });
const site = buildSite({
  bridges: [{ name: 'z2m-main' }],
  devices: [z2m('zb-1'), z2m('zb-2'), z2m('zb-3'),
    { id: 'smoke-kitchen', profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt', reportIntervalSec: 600 }],
});
const linkDown = (up: boolean, ts: number): LinkStatus => ({ link: 'zigbee2mqtt:z2m-main', transport: 'zigbee2mqtt', up, ts });
const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('raiseOnLinkDown: one root cause for a link that is down (issue 11)', () => {
  it('raises ONE device.offline for link:{name} with the devices affected, keeps per-device offline quiet, and clears when it is back', () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const clock = clockFrom(ts);
      const state = new MemoryRuleState();
      const registry = new LinkRegistry(site, state);
      const sweep = interval(MIN, clock);
      const links = hot<LinkStatus>(timeline([[2 * MIN, 'd'], [3 * MIN, 'd'], [30 * MIN, 'u']]), { d: linkDown(false, 1), u: linkDown(true, 2) });
      // the smoke detector (native MQTT, not behind the bridge) keeps reporting; zb-1 reports its LWT while the bridge is down
      const keepAlive: Array<[number, string]> = [[5 * MIN, 'x']];
      for (let t = 9; t < 50; t += 9) keepAlive.push([t * MIN, 's']);
      const readings = hot<Reading>(timeline(keepAlive), { s: reading('smoke-kitchen', { smoke: false }), x: availabilityOf('zb-1', false, 3) });
      const out = merge(
        links.pipe(raiseOnLinkDown({ site, scheduler: clock, registry })),
        readings.pipe(raiseOnSilence({ site, scheduler: clock, state, sweep, registry })),
      );
      // back at 00:30: each device is given its full period from then, so 00:41 reports the three still silent
      expectObservable(out, timeline([[50 * MIN, '!']])).toBe(timeline([[2 * MIN, 'r'], [30 * MIN, 'c'], [41 * MIN, '123']]), {
        r: {
          siteId: 'test', kind: 'device.offline', action: 'raise', severity: 'major', subject: 'link:zigbee2mqtt:z2m-main', ts: 1,
          details: { transport: 'zigbee2mqtt', devicesAffected: 3 },
        },
        c: expect.objectContaining({ subject: 'link:zigbee2mqtt:z2m-main', action: 'clear', details: { transport: 'zigbee2mqtt', devicesAffected: 3, downForSec: 28 * 60 } }),
        1: expect.objectContaining({ subject: 'device:zb-1', action: 'raise', details: expect.objectContaining({ reason: 'silent' }) }),
        2: expect.objectContaining({ subject: 'device:zb-2', action: 'raise' }),
        3: expect.objectContaining({ subject: 'device:zb-3', action: 'raise' }),
      });
      expectSubscriptions(links.subscriptions).toBe(subscribedUntil(50 * MIN));
    });
  });

  it('a restarted rule remembers the link is down: no second root cause, devices still quiet, and the recovery clears it', () => {
    const state = new MemoryRuleState();
    const first = testScheduler();
    first.run(({ hot, expectObservable }) => {
      const clock = clockFrom(first);
      const registry = new LinkRegistry(site, state);
      const links = hot<LinkStatus>(timeline([[1 * MIN, 'd']]), { d: linkDown(false, 1) });
      expectObservable(links.pipe(raiseOnLinkDown({ site, scheduler: clock, registry })), timeline([[5 * MIN, '!']]))
        .toBe(timeline([[1 * MIN, 'r']]), { r: expect.objectContaining({ subject: 'link:zigbee2mqtt:z2m-main', action: 'raise' }) });
    });
    const second = testScheduler();
    second.run(({ hot, expectObservable }) => {
      const clock = clockFrom(second, T0 + 5 * MIN);
      const registry = new LinkRegistry(site, state);
      const links = hot<LinkStatus>(timeline([[1 * MIN, 'd'], [60 * MIN, 'u']]), { d: linkDown(false, 2), u: linkDown(true, 3) });
      const out = merge(
        links.pipe(raiseOnLinkDown({ site, scheduler: clock, registry })),
        hot<Reading>('').pipe(raiseOnSilence({ site, scheduler: clock, state, sweep: interval(MIN, clock), registry })),
      ).pipe(filter((e) => e.deviceId !== 'smoke-kitchen'));
      expectObservable(out, timeline([[65 * MIN, '!']])).toBe(timeline([[60 * MIN, 'c']]), {
        c: expect.objectContaining({ subject: 'link:zigbee2mqtt:z2m-main', action: 'clear' }),
      });
    });
  });

  it('ignores a LinkStatus of another site, and an up for a link that was never down', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const clock = clockFrom(ts);
      const links = cold<LinkStatus>('a b', { a: { ...linkDown(false, 1), siteId: 'elsewhere' }, b: linkDown(true, 1) });
      expectObservable(links.pipe(raiseOnLinkDown({ site, scheduler: clock, registry: new LinkRegistry(site, new MemoryRuleState()) }))).toBe('');
    });
  });

  it('knows which link a device is behind: its readings say, else its bridge, platform or only serial port', () => {
    const s = buildSite({
      bridges: [{ name: 'z2m-a' }, { name: 'z2m-b' }],
      serial: [{ path: '/dev/ttyUSB0', framing: 'rflink' }],
      devices: [
        { id: 'zb-b', profile: 'motion-sensor', roomId: 'corridor', transport: 'zigbee2mqtt', friendlyName: 'zb-b', bridge: 'z2m-b' },
        { id: 'zb-a', profile: 'motion-sensor', roomId: 'corridor', transport: 'zigbee2mqtt', friendlyName: 'zb-a' },
        { id: 'rf-1', profile: 'smoke-detector', roomId: 'kitchen', transport: 'rflink', rflink: { protocol: 'EV1527', id: '0a1b2c' } },
        { id: 'nb-1', profile: 'smoke-detector', roomId: 'kitchen', transport: 'platform', platform: 'ctwing', platformDeviceId: 'x1' },
        { id: 'native', profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt' },
      ],
    });
    const registry = new LinkRegistry(s, new MemoryRuleState());
    const linkOf = (id: string) => registry.linkOf(s.devices.get(id)!);
    expect([linkOf('zb-b'), linkOf('zb-a'), linkOf('rf-1'), linkOf('nb-1'), linkOf('native')])
      .toEqual(['zigbee2mqtt:z2m-b', 'zigbee2mqtt:z2m-a', 'serial:/dev/ttyUSB0', 'ctwing', undefined]);
    registry.learn('zb-a', 'zigbee2mqtt:z2m-b');
    expect(linkOf('zb-a')).toBe('zigbee2mqtt:z2m-b');
    expect(registry.countBehind('zigbee2mqtt:z2m-b', 'zigbee2mqtt')).toBe(2);
  });
});
