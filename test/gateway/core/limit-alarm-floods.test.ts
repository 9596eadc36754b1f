import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../../gateway/core/kit/event-draft.ts';
import { limitAlarmFloods } from '../../../gateway/core/limit-alarm-floods.ts';
import { MemoryRuleState } from '../../../gateway/core/kit/rule-state.ts';
import { VirtualClock } from '../../../gateway/core/kit/virtual-clock.ts';
import { brief, marbleScheduler } from './marbles.ts';
import { buildSite } from './site-fixture.ts';

const site = buildSite(); // fold momentary repeats for 300 s, report repeats at most every 30 s

// A report's count is the repeats folded in since the previous report (contract Event.count);
// the server adds them up, so over one alarm the counts must sum to its raises, never more.

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
    expectObservable(drafts.pipe(limitAlarmFloods({ site, scheduler: drafts.scheduler, state }), brief())).toBe(expected, values);
  });
}

describe('limitAlarmFloods', () => {
  it('passes the first raise at once with count 1; alarms of other subjects are their own', () => {
    run('s-o', 'a-b', { a: smoke(1), b: 'raise fire.smoke device:smoke-corridor ×1' });
  });

  it('folds repeats into reports at most every 30 s, each with the repeats since the last, the last one trailing', () => {
    // raises at 0, 5 s, 10 s and 50 s: the two repeats inside the first 30 s go out together
    run('s 5s s 5s s 40s s', 'a 29s 999ms b 29s 999ms c', { a: smoke(1), b: smoke(2), c: smoke(1) });
  });

  it('reports waiting repeats before the clear, passes the clear unchanged and ends the alarm; the next raise is a new alarm', () => {
    run('s-s-S---s', 'a---(bC)d', {
      a: smoke(1), b: smoke(1), C: 'clear fire.smoke device:smoke-kitchen', d: smoke(1),
    });
  });

  it('a clear with no repeat waiting passes alone', () => {
    // the repeat at 40 s is past the report interval, so it is reported at once
    run('s 40s s 40s S', 'a 40s b 40s C', { a: smoke(1), b: smoke(1), C: 'clear fire.smoke device:smoke-kitchen' });
  });

  it('a clear of an alarm it never saw (raised before the gateway knew) still passes', () => {
    run('S', 'a', { a: 'clear fire.smoke device:smoke-kitchen' });
  });

  it('a momentary alarm folds repeats within 300 s and is forgotten after', () => {
    run('c 100s c 301s c', 'a 100s b 301s c', { a: call(1), b: call(1), c: call(1) });
    // the output alone cannot tell a new alarm from a late repeat, so: nothing is left active
    const state = new MemoryRuleState();
    run('c 100s c', 'a 100s b', { a: call(1), b: call(1) }, state);
    expect(state.entries('flood:')).toEqual([]);
  });

  it('a momentary alarm reports a waiting repeat before it is forgotten', () => {
    const slowReports = buildSite({ rules: { flood: { repeatFoldSec: 60, repeatReportSec: 120 } } });
    marbleScheduler().run(({ hot, expectObservable }) => {
      const drafts = hot('c 10s c 100s c', v);
      expectObservable(drafts.pipe(limitAlarmFloods({ site: slowReports, scheduler: drafts.scheduler, state: new MemoryRuleState() }), brief()))
        .toBe('a 10s 60s b 40s c', { a: call(1), b: call(1), c: call(1) });
    });
  });

  it('passes records untouched', () => {
    run('t-t', 'a-a', { a: 'record fire.test device:smoke-101' });
  });

  it('keeps active alarms across a restart: a repeat folds, a waiting report still comes', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      // raises at 0, 10 s (waiting across the restart), 70 s (reported at once) and 75 s
      // (waiting when the clear comes at 80 s)
      const drafts = hot('s 10s s 60s s 5s s 5s S', v);
      const rule = drafts.pipe(limitAlarmFloods({ site, scheduler: drafts.scheduler, state }), brief());
      expectObservable(rule, '^ 20s !').toBe('a', { a: smoke(1) });
      expectObservable(rule, '25s ^').toBe('30s b 40s 1ms c 10s 1ms (eC)', {
        b: smoke(1), c: smoke(1), e: smoke(1), C: 'clear fire.smoke device:smoke-kitchen',
      });
      expectSubscriptions(drafts.subscriptions).toBe(['^ 20s !', '25s ^']);
    });
    expect(state.entries('flood:')).toEqual([]);
  });

  it('reports every repeat exactly once: the counts of one alarm add up to its raises, however split', () => {
    const clock = new VirtualClock(0);
    const state = new MemoryRuleState();
    const input = new Subject<EventDraft>();
    const out: { at: number; draft: EventDraft }[] = [];
    const start = () => input.pipe(limitAlarmFloods({ site, scheduler: clock, state })).subscribe((d) => out.push({ at: clock.now(), draft: d }));
    let sub = start();
    const raises = 20; // every 7 s: several repeats fold into each 30 s report
    for (let i = 0; i < raises; i++) {
      clock.advanceTo(i * 7_000);
      if (i === 10) { // a restart with repeats waiting for their report
        sub.unsubscribe();
        sub = start();
      }
      input.next(v.c);
      input.next(v.s);
    }
    clock.advanceTo(raises * 7_000);
    input.next(v.S); // smoke clears with repeats waiting; the call is forgotten 300 s after its last press
    clock.advanceTo(3_600_000);
    sub.unsubscribe();

    for (const kind of ['call.button', 'fire.smoke']) {
      const reports = out.filter((o) => o.draft.kind === kind && o.draft.action === 'raise');
      expect(reports.reduce((sum, o) => sum + (o.draft.count ?? 0), 0)).toBe(raises);
      expect(reports.length).toBeLessThan(raises / 3); // folded, not passed one by one
      // at most one report per 30 s, except the one the smoke clear sends early
      const gaps = reports.slice(1).map((o, i) => o.at - reports[i]!.at);
      expect(Math.min(...(kind === 'fire.smoke' ? gaps.slice(0, -1) : gaps))).toBeGreaterThanOrEqual(30_000);
    }
    const smoke = out.filter((o) => o.draft.kind === 'fire.smoke').map((o) => o.draft);
    expect(smoke.at(-1)).toEqual(v.S); // last, and unchanged
    expect(state.entries('flood:')).toEqual([]);
  });

  it('stops its timers on unsubscribe', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const drafts = hot('s-s', v);
      expectObservable(drafts.pipe(limitAlarmFloods({ site, scheduler: drafts.scheduler, state: new MemoryRuleState() }), brief()), '^ 10s !')
        .toBe('a', { a: smoke(1) });
    });
  });
});
