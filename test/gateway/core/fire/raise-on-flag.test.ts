import { describe, expect, it } from 'vitest';
import { raiseOnFlag } from '../../../../gateway/core/fire/raise-on-flag.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { brief, marbleScheduler } from '../marbles.ts';
import { buildSite, stateOf } from '../site-fixture.ts';

const site = buildSite();
const smokeRule = { field: 'smoke', kind: 'fire.smoke', severity: 'critical', ignoreDuringTest: true } as const;
const values = {
  s: stateOf('smoke-kitchen', { smoke: true }),
  n: stateOf('smoke-kitchen', { smoke: false }),
  b: stateOf('smoke-kitchen', { battery: 90 }),
  t: stateOf('smoke-kitchen', { smoke: true, test: true }),
  u: stateOf('unknown-device', { smoke: true }),
  o: stateOf('smoke-corridor', { smoke: true }),
};

describe('raiseOnFlag', () => {
  it('raises on the turn to true, ignores cached repeats, clears on false', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('-s-s-b-n-n-s', values);
      expectObservable(readings.pipe(raiseOnFlag({ site, rule: smokeRule, state: new MemoryRuleState() }), brief())).toBe('-a-----c---a', {
        a: 'raise fire.smoke device:smoke-kitchen',
        c: 'clear fire.smoke device:smoke-kitchen',
      });
    });
  });

  it('keeps devices apart and ignores devices not on the site', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('-s-u-o-n', values);
      expectObservable(readings.pipe(raiseOnFlag({ site, rule: smokeRule, state: new MemoryRuleState() }), brief())).toBe('-a---b-c', {
        a: 'raise fire.smoke device:smoke-kitchen',
        b: 'raise fire.smoke device:smoke-corridor',
        c: 'clear fire.smoke device:smoke-kitchen',
      });
    });
  });

  it('does not take a self-test for a fire', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('-t-n-s', values);
      expectObservable(readings.pipe(raiseOnFlag({ site, rule: smokeRule, state: new MemoryRuleState() }), brief())).toBe('-----a', {
        a: 'raise fire.smoke device:smoke-kitchen',
      });
    });
  });

  it('places the event in the device room, with the reading time and source', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('-x', { x: stateOf('smoke-kitchen', { smoke: true }, 1234) });
      expectObservable(readings.pipe(raiseOnFlag({ site, rule: smokeRule }))).toBe('-a', {
        a: {
          siteId: 'test', kind: 'fire.smoke', action: 'raise', severity: 'critical', subject: 'device:smoke-kitchen',
          deviceId: 'smoke-kitchen', roomId: 'kitchen', ts: 1234, source: { transport: 'mqtt' },
        },
      });
    });
  });

  it('survives a restart: a resubscription with the same state neither re-raises nor forgets', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('-s--s--n', values);
      const rule = readings.pipe(raiseOnFlag({ site, rule: smokeRule, state }), brief());
      expectObservable(rule, '^--!').toBe('-a', { a: 'raise fire.smoke device:smoke-kitchen' });
      expectObservable(rule, '---^').toBe('-------c', { c: 'clear fire.smoke device:smoke-kitchen' });
    });
    expect(state.entries('flag:')).toEqual([]);
  });

  it('unsubscribes from the readings when unsubscribed', () => {
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const readings = hot('-s--n', values);
      expectObservable(readings.pipe(raiseOnFlag({ site, rule: smokeRule }), brief()), '^-!').toBe('-a', { a: 'raise fire.smoke device:smoke-kitchen' });
      expectSubscriptions(readings.subscriptions).toBe('^-!');
    });
  });
});
