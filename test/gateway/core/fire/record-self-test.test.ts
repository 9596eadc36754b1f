import { describe, it } from 'vitest';
import { recordSelfTest } from '../../../../gateway/core/fire/record-self-test.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { brief, marbleScheduler } from '../marbles.ts';
import { buildSite, stateOf } from '../site-fixture.ts';

const site = buildSite();
const values = {
  t: stateOf('smoke-101', { test: true, smoke: true }),
  e: stateOf('smoke-101', { test: false, smoke: false }),
  b: stateOf('smoke-101', { battery: 80 }),
  x: stateOf('heat-kitchen', { test: true }),
};

describe('recordSelfTest', () => {
  it('records one fire.test per test, however often Z2M repeats test: true', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('-t-t-b-e-t-x', values);
      expectObservable(readings.pipe(recordSelfTest({ site, state: new MemoryRuleState() }), brief())).toBe('-a-------a-c', {
        a: 'record fire.test device:smoke-101',
        c: 'record fire.test device:heat-kitchen',
      });
    });
  });

  it('is an info record with the detector profile, not an alarm', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('-t', values);
      expectObservable(readings.pipe(recordSelfTest({ site, state: new MemoryRuleState() }))).toBe('-a', {
        a: {
          siteId: 'test', kind: 'fire.test', action: 'record', severity: 'info', subject: 'device:smoke-101', deviceId: 'smoke-101',
          roomId: 'room-101', ts: 0, source: { transport: 'mqtt' }, details: { profile: 'smoke-detector', smoke: true },
        },
      });
    });
  });

  it('does not record a test again after a restart in the middle of it, and cleans up', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const readings = hot('-t---t-e-t', values);
      const rule = readings.pipe(recordSelfTest({ site, state }), brief());
      expectObservable(rule, '^-!').toBe('-a', { a: 'record fire.test device:smoke-101' });
      expectObservable(rule, '----^').toBe('---------a', { a: 'record fire.test device:smoke-101' });
      expectSubscriptions(readings.subscriptions).toBe(['^-!', '----^']);
    });
  });
});
