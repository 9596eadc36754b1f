import { describe, expect, it } from 'vitest';
import { raiseCall } from '../../../../gateway/core/call/raise-call.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { brief, marbleScheduler } from '../marbles.ts';
import { buildSite, stateOf } from '../site-fixture.ts';

const site = buildSite(); // cancel window 120 s
const v = {
  s: stateOf('call-101', { action: 'single' }),
  d: stateOf('call-101', { action: 'double' }),
  h: stateOf('call-101', { action: 'hold' }),
  e: stateOf('call-102', { action: 'emergency' }),
  c: stateOf('call-101', { action: 'cancel' }),
  b: stateOf('call-101', { battery: 50 }),
};
const raise = 'raise call.button device:call-101';
const cancelled = 'clear call.button device:call-101';

function run(marbles: string, expected: string, values: Record<string, unknown>, s = site): void {
  marbleScheduler().run(({ hot, expectObservable }) => {
    const readings = hot(marbles, v);
    expectObservable(readings.pipe(raiseCall({ site: s, scheduler: readings.scheduler, state: new MemoryRuleState() }), brief())).toBe(expected, values);
  });
}

describe('raiseCall', () => {
  it('raises on every press, whatever the action', () => {
    run('s-d-h-e-b', 's-d-h-e', { s: raise, d: raise, h: raise, e: 'raise call.button device:call-102' });
  });

  it('a cancel within the window clears the call, recorded as cancelled', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('s 60s c', v);
      expectObservable(readings.pipe(raiseCall({ site, scheduler: readings.scheduler, state: new MemoryRuleState() }))).toBe('s 60s c', {
        s: expect.objectContaining({ kind: 'call.button', action: 'raise', residentId: 'ann', roomId: 'room-101', details: { action: 'single' } }),
        c: expect.objectContaining({ kind: 'call.button', action: 'clear', details: { cancelled: true, action: 'cancel' } }),
      });
    });
  });

  it('a cancel after the window changes nothing: staff must attend', () => {
    run('s 121s c', 's', { s: raise });
  });

  it('a cancel with no open call changes nothing; the call is cleared once', () => {
    run('c s c c', '-ac', { a: raise, c: cancelled });
  });

  it('the window is counted from the first press of the call', () => {
    run('s 100s d 30s c', 's 100s d', { s: raise, d: raise });
  });

  it('takes the resident override of the window over the site one', () => {
    const strict = buildSite({
      residents: [
        { id: 'ann', name: 'Ann', roomId: 'room-101', rules: { calls: { cancelWindowSec: 30 } } },
        { id: 'bob', name: 'Bob', roomId: 'room-102' },
      ],
    });
    run('s 60s c', 's', { s: raise }, strict);
  });

  it('keeps the window across a restart', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const readings = hot('s 100s c', v);
      const rule = readings.pipe(raiseCall({ site, scheduler: readings.scheduler, state }), brief());
      expectObservable(rule, '^ 10s !').toBe('s', { s: raise });
      expectObservable(rule, '50s ^').toBe('100s 1ms c', { c: cancelled });
      expectSubscriptions(readings.subscriptions).toBe(['^ 10s !', '50s ^']);
    });
  });
});
