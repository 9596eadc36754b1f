import { describe, expect, it } from 'vitest';
import { raiseWaterFlow } from '../../../../gateway/core/fire/raise-water-flow.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { brief, marbleScheduler } from '../marbles.ts';
import { buildSite, stateOf } from '../site-fixture.ts';

const site = buildSite(); // retard 10 s
const values = {
  f: stateOf('flow-f1', { water_flow: true }),
  n: stateOf('flow-f1', { water_flow: false }),
  p: stateOf('flow-f1', { pressure: 300 }),
};
const raise = 'raise fire.water_flow device:flow-f1';
const clear = 'clear fire.water_flow device:flow-f1';

describe('raiseWaterFlow', () => {
  it('raises when flow lasts the retard (NFPA 72 17.13.2), at the retard deadline', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('f 20s n', values);
      expectObservable(readings.pipe(raiseWaterFlow({ site, scheduler: readings.scheduler, state: new MemoryRuleState() }), brief()))
        .toBe('10s a 10s c', { a: raise, c: clear });
    });
  });

  it('never raises on a momentary surge shorter than the retard', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('f 5s n 30s f 9s n', values);
      expectObservable(readings.pipe(raiseWaterFlow({ site, scheduler: readings.scheduler, state: new MemoryRuleState() }), brief()))
        .toBe('');
    });
  });

  it('keeps the retard start while flow is reported again (cached state)', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('f 4s f 4s p 4s f', values);
      expectObservable(readings.pipe(raiseWaterFlow({ site, scheduler: readings.scheduler, state: new MemoryRuleState() }), brief()))
        .toBe('10s a', { a: raise });
    });
  });

  it('takes the retard from the site rules', () => {
    const slow = buildSite({ rules: { fire: { waterFlowRetardSec: 60 } } });
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('f 30s n 1s f', values);
      expectObservable(readings.pipe(raiseWaterFlow({ site: slow, scheduler: readings.scheduler, state: new MemoryRuleState() }), brief()))
        .toBe('30s 1ms 1s 1ms 60s a', { a: raise });
    });
  });

  it('a restart during the retard raises at the original deadline, not a new one', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('f 30s n', values);
      const rule = readings.pipe(raiseWaterFlow({ site, scheduler: readings.scheduler, state }), brief());
      expectObservable(rule, '^ 4s !').toBe('');
      expectObservable(rule, '6s ^').toBe('10s a 20s c', { a: raise, c: clear });
    });
  });

  it('a restart after a missed deadline raises at once; one after the raise does not raise again', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('f', values);
      const rule = readings.pipe(raiseWaterFlow({ site, scheduler: readings.scheduler, state }), brief());
      expectObservable(rule, '^ 4s !').toBe('');
      expectObservable(rule, '20s ^ 1s !').toBe('20s a', { a: raise });
      expectObservable(rule, '30s ^').toBe('');
    });
    expect(state.entries('flow:')).toHaveLength(1);
  });

  it('cancels the retard timer and the readings on unsubscribe', () => {
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const readings = hot('f 30s n', values);
      expectObservable(readings.pipe(raiseWaterFlow({ site, scheduler: readings.scheduler, state: new MemoryRuleState() }), brief()), '^ 5s !')
        .toBe('');
      expectSubscriptions(readings.subscriptions).toBe('^ 5s !');
    });
  });
});
