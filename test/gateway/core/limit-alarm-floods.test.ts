import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../../gateway/core/event-draft.ts';
import { limitAlarmFloods } from '../../../gateway/core/limit-alarm-floods.ts';
import { MemoryRuleState } from '../../../gateway/core/rule-state.ts';
import { brief, marbleScheduler } from './marbles.ts';
import { buildSite } from './site-fixture.ts';

const site = buildSite(); // fold momentary repeats for 300 s, report repeats at most every 30 s

function draft(kind: EventDraft['kind'], action: EventDraft['action'], subject: string): EventDraft {
  return { siteId: 'test', kind, action, severity: 'critical', subject, ts: 0 };
}
const v = {
  s: draft('fire.smoke', 'raise', 'device:smoke-kitchen'),
  S: draft('fire.smoke', 'clear', 'device:smoke-kitchen'),
  o: draft('fire.smoke', 'raise', 'device:smoke-corridor'),
  c: draft('call.button', 'raise', 'device:call-101'),
  C: draft('call.button', 'clear', 'device:call-101'),
  t: draft('fire.test', 'record', 'device:smoke-101'),
};
const smoke = (n: number) => `raise fire.smoke device:smoke-kitchen ×${n}`;
const call = (n: number) => `raise call.button device:call-101 ×${n}`;

function run(marbles: string, expected: string, values: Record<string, string>, state = new MemoryRuleState()): void {
  marbleScheduler().run(({ hot, expectObservable }) => {
    const drafts = hot(marbles, v);
    expectObservable(drafts.pipe(limitAlarmFloods(site, { scheduler: drafts.scheduler, state }), brief())).toBe(expected, values);
  });
}

describe('limitAlarmFloods', () => {
  it('passes the first raise at once with count 1; alarms of other subjects are their own', () => {
    run('s-o', 'a-b', { a: smoke(1), b: 'raise fire.smoke device:smoke-corridor ×1' });
  });

  it('folds repeats into the count, reported at most every 30 s, the last one trailing', () => {
    run('s 5s s 5s s 40s s', 'a 29s 999ms b 29s 999ms c', { a: smoke(1), b: smoke(3), c: smoke(4) });
  });

  it('a clear ends the alarm and carries its final count; the next raise is a new alarm', () => {
    run('s-s-S-s', 'a---b-c', {
      a: smoke(1), b: 'clear fire.smoke device:smoke-kitchen ×2', c: smoke(1),
    });
  });

  it('a clear of an alarm it never saw (raised before the gateway knew) still passes', () => {
    run('S', 'a', { a: 'clear fire.smoke device:smoke-kitchen' });
  });

  it('a momentary alarm folds repeats within 300 s and is forgotten after', () => {
    run('c 100s c 301s c', 'a 100s b 301s c', { a: call(1), b: call(2), c: call(1) });
  });

  it('a momentary alarm reports a waiting repeat before it is forgotten', () => {
    const slowReports = buildSite({ rules: { flood: { repeatFoldSec: 60, repeatReportSec: 120 } } });
    marbleScheduler().run(({ hot, expectObservable }) => {
      const drafts = hot('c 10s c 100s c', v);
      expectObservable(drafts.pipe(limitAlarmFloods(slowReports, { scheduler: drafts.scheduler, state: new MemoryRuleState() }), brief()))
        .toBe('a 10s 60s b 40s c', { a: call(1), b: call(2), c: call(1) });
    });
  });

  it('passes records untouched', () => {
    run('t-t', 'a-a', { a: 'record fire.test device:smoke-101' });
  });

  it('keeps active alarms across a restart: a repeat folds, a waiting report still comes', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const drafts = hot('s 10s s 60s s 10s S', v);
      const rule = drafts.pipe(limitAlarmFloods(site, { scheduler: drafts.scheduler, state }), brief());
      expectObservable(rule, '^ 20s !').toBe('a', { a: smoke(1) });
      expectObservable(rule, '25s ^').toBe('30s b 40s 1ms c 10s d', {
        b: smoke(2), c: smoke(3), d: 'clear fire.smoke device:smoke-kitchen ×3',
      });
      expectSubscriptions(drafts.subscriptions).toBe(['^ 20s !', '25s ^']);
    });
    expect(state.entries('flood:')).toEqual([]);
  });

  it('stops its timers on unsubscribe', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const drafts = hot('s-s', v);
      expectObservable(drafts.pipe(limitAlarmFloods(site, { scheduler: drafts.scheduler, state: new MemoryRuleState() }), brief()), '^ 10s !')
        .toBe('a', { a: smoke(1) });
    });
  });
});
