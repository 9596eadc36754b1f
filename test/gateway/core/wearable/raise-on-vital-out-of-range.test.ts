import { describe, expect, it } from 'vitest';
import { raiseOnVitalOutOfRange } from '../../../../gateway/core/wearable/raise-on-vital-out-of-range.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { brief, marbleScheduler } from '../marbles.ts';
import { buildSite, stateOf } from '../site-fixture.ts';

const site = buildSite(); // heart rate 40–130, spo2 ≥ 90, sustained 120 s
const hr = (bpm: number, extra = {}) => stateOf('wearable-ann', { heart_rate: bpm, ...extra });
const v = {
  n: hr(72), h: hr(150), l: hr(35), z: hr(0), o: hr(150, { worn: false }), H: hr(170),
  p: stateOf('wearable-ann', { spo2: 85 }), q: stateOf('wearable-ann', { spo2: 97 }),
};
const raise = 'raise vital.heart_rate resident:ann';
const clear = 'clear vital.heart_rate resident:ann';

function run(marbles: string, expected: string, values: Record<string, unknown> = {}, s = site, vital: 'heart_rate' | 'spo2' = 'heart_rate'): void {
  marbleScheduler().run(({ hot, expectObservable }) => {
    const readings = hot(marbles, v);
    expectObservable(readings.pipe(raiseOnVitalOutOfRange({ site: s, vital, scheduler: readings.scheduler, state: new MemoryRuleState() }), brief()))
      .toBe(expected, values);
  });
}

describe('raiseOnVitalOutOfRange', () => {
  it('one bad sample is not an alarm', () => {
    run('h 5m n 5m h', '');
  });

  it('raises on a bad sample once the run has lasted sustainSec, clears back in range', () => {
    run('h 60s h 60s h 60s h 60s n', '120s 2ms a 120s 1ms c', { a: raise, c: clear });
  });

  it('a good sample between restarts the run', () => {
    run('h 100s n 100s h 100s h', '');
  });

  it('low and high both count as out of range', () => {
    run('h 130s l', '130s 1ms a', { a: raise });
  });

  it('takes 0 and off-the-wrist samples as no measurement', () => {
    run('h 130s z 10s o 10s n', '');
  });

  it('watches SpO2 with its own range', () => {
    run('p 130s p 1s q', '130s 1ms a 1s c', { a: 'raise vital.spo2 resident:ann', c: 'clear vital.spo2 resident:ann' }, site, 'spo2');
  });

  it('uses the resident range over the site range', () => {
    const athlete = buildSite({
      residents: [
        { id: 'ann', name: 'Ann', roomId: 'room-101', rules: { wearable: { heartRate: { min: 30, max: 160, sustainSec: 60 } } } },
        { id: 'bob', name: 'Bob', roomId: 'room-102' },
      ],
    });
    run('h 130s h 1s H 70s H', '201s 3ms a', { a: raise }, athlete);
  });

  it('carries the value and the range', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('h 130s h', v);
      expectObservable(readings.pipe(raiseOnVitalOutOfRange({ site, vital: 'heart_rate', scheduler: readings.scheduler, state: new MemoryRuleState() })))
        .toBe('130s 1ms a', { a: expect.objectContaining({ severity: 'major', deviceId: 'wearable-ann', details: { value: 150, min: 40, max: 130, sustainedSec: 130.001 } }) });
    });
  });

  it('keeps the run and the raised alarm across a restart', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const readings = hot('h 100s h 100s h 100s n', v);
      const rule = readings.pipe(raiseOnVitalOutOfRange({ site, vital: 'heart_rate', scheduler: readings.scheduler, state }), brief());
      expectObservable(rule, '^ 50s !').toBe('');
      expectObservable(rule, '60s ^ 150s !').toBe('200s 2ms a', { a: raise });
      expectObservable(rule, '250s ^').toBe('300s 3ms c', { c: clear });
      expectSubscriptions(readings.subscriptions).toBe(['^ 50s !', '60s ^ 150s !', '250s ^']);
    });
  });
});
