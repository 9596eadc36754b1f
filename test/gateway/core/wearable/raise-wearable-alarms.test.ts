import { describe, expect, it } from 'vitest';
import { raiseWearableAlarms } from '../../../../gateway/core/wearable/raise-wearable-alarms.ts';
import { brief, marbleScheduler } from '../marbles.ts';
import { buildSite, stateOf } from '../site-fixture.ts';

const site = buildSite({
  devices: [
    { id: 'wearable-ann', profile: 'wearable', residentId: 'ann', transport: 'mqtt' },
    { id: 'watch-spare', profile: 'watch-4g', roomId: 'corridor', transport: 'watch3g', watchId: '1234567890' },
  ],
});
const v = {
  s: stateOf('wearable-ann', { sos: true }),
  S: stateOf('wearable-ann', { sos: false }),
  f: stateOf('wearable-ann', { fall: true }),
  F: stateOf('wearable-ann', { fall: false, heart_rate: 70 }),
  b: stateOf('wearable-ann', { sos: true, fall: true }),
  x: stateOf('watch-spare', { sos: true }),
};

describe('raiseWearableAlarms', () => {
  it('raises an SOS and a fall for the wearer, and ignores false (momentary events have no clear)', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('s-S-f-F', v);
      expectObservable(readings.pipe(raiseWearableAlarms({ site }), brief())).toBe('s---f', {
        s: 'raise wearable.sos resident:ann',
        f: 'raise wearable.fall resident:ann',
      });
    });
  });

  it('passes every repeat on, for flood control to fold into the count', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('s-s-s', v);
      expectObservable(readings.pipe(raiseWearableAlarms({ site }), brief())).toBe('s-s-s', { s: 'raise wearable.sos resident:ann' });
    });
  });

  it('raises both when one report carries both, the fall first', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('b', v);
      expectObservable(readings.pipe(raiseWearableAlarms({ site }), brief())).toBe('(fs)', {
        f: 'raise wearable.fall resident:ann',
        s: 'raise wearable.sos resident:ann',
      });
    });
  });

  it('a device worn by no resident is its own subject; both are critical', () => {
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const readings = hot('x-f', v);
      expectObservable(readings.pipe(raiseWearableAlarms({ site })), '^-!').toBe('x', {
        x: expect.objectContaining({ subject: 'device:watch-spare', severity: 'critical', kind: 'wearable.sos', roomId: 'corridor' }),
      });
      expectSubscriptions(readings.subscriptions).toBe('^-!');
    });
  });
});
