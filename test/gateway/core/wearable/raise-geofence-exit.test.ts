import { describe, expect, it } from 'vitest';
import { haversineM, raiseGeofenceExit } from '../../../../gateway/core/wearable/raise-geofence-exit.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { brief, marbleScheduler } from '../marbles.ts';
import { buildSite, stateOf } from '../site-fixture.ts';

// Home at 31.2000 N, 121.4000 E; 200 m fence. 0.001° of latitude is ~111 m.
const fence = { latitude: 31.2, longitude: 121.4, radiusM: 200 };
const site = buildSite({
  residents: [
    { id: 'ann', name: 'Ann', roomId: 'room-101', wanderingRisk: true, rules: { wearable: { geofence: fence } } },
    { id: 'bob', name: 'Bob', roomId: 'room-102', rules: { wearable: { geofence: fence } } },
  ],
  devices: [
    { id: 'wearable-ann', profile: 'wearable', residentId: 'ann', transport: 'mqtt' },
    { id: 'wearable-bob', profile: 'wearable', residentId: 'bob', transport: 'mqtt' },
  ],
});
const at = (id: string, north: number) => stateOf(id, { latitude: 31.2 + north, longitude: 121.4 });
const v = {
  h: at('wearable-ann', 0), // home
  e: at('wearable-ann', 0.0019), // ~211 m: just outside
  j: at('wearable-ann', 0.0017), // ~189 m: inside, but within the jitter margin
  b: at('wearable-ann', 0.0015), // ~167 m: back
  f: at('wearable-ann', 0.01), // ~1.1 km
  x: at('wearable-bob', 0.01),
  s: stateOf('wearable-ann', { steps: 100 }),
};
const raise = 'raise wearable.geofence_exit resident:ann';
const clear = 'clear wearable.geofence_exit resident:ann';

describe('raiseGeofenceExit', () => {
  it('measures great-circle distance (haversine)', () => {
    expect(haversineM(31.2, 121.4, 31.2019, 121.4)).toBeCloseTo(211.3, 0);
    expect(haversineM(0, 0, 0, 1)).toBeCloseTo(111_195, -1);
  });

  it('raises when a wandering-risk resident leaves the fence, clears on return past the jitter margin', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('h-e-f-s-j-e-b-h', { ...v });
      expectObservable(readings.pipe(raiseGeofenceExit({ site, state: new MemoryRuleState() }), brief())).toBe('--a---------c', { a: raise, c: clear });
    });
  });

  it('watches only residents flagged wanderingRisk', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('x', v);
      expectObservable(readings.pipe(raiseGeofenceExit({ site, state: new MemoryRuleState() }), brief())).toBe('');
    });
  });

  it('carries the distance and the radius', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('f', v);
      expectObservable(readings.pipe(raiseGeofenceExit({ site, state: new MemoryRuleState() }))).toBe('a', {
        a: expect.objectContaining({ severity: 'major', details: { distanceM: 1112, radiusM: 200 } }),
      });
    });
  });

  it('does not raise again after a restart while still outside', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const readings = hot('f-f-f-h', v);
      const rule = readings.pipe(raiseGeofenceExit({ site, state }), brief());
      expectObservable(rule, '^-!').toBe('a', { a: raise });
      expectObservable(rule, '---^').toBe('------c', { c: clear });
      expectSubscriptions(readings.subscriptions).toBe(['^-!', '---^']);
    });
  });
});
