import { Observable, type SchedulerLike, from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { LinkStatus, Reading } from '../../../contract/index.ts';
import type { EventDraft } from '../../../gateway/core/kit/event-draft.ts';
import { MemoryRuleState, type RuleStateStore } from '../../../gateway/core/kit/rule-state.ts';
import { VirtualClock } from '../../../gateway/core/kit/virtual-clock.ts';
import { watchSite } from '../../../gateway/core/watch-site.ts';
import { brief, marbleScheduler } from './marbles.ts';
import { buildSite, stateOf } from './site-fixture.ts';

const site = buildSite();
const v = {
  k: stateOf('smoke-kitchen', { smoke: true }),
  c: stateOf('smoke-corridor', { smoke: true }),
  t: stateOf('smoke-101', { test: true, smoke: true }),
  f: stateOf('flow-f1', { water_flow: true }),
  n: stateOf('flow-f1', { water_flow: false }),
  p: stateOf('call-101', { action: 'single' }),
  x: stateOf('call-101', { action: 'cancel' }),
  l: stateOf('leak-kitchen', { water_leak: true }),
  s: stateOf('wearable-ann', { sos: true }),
} satisfies Record<string, Reading>;

// watchSite runs periodic sweeps: a marble test must unsubscribe, or virtual time never ends.
const UNTIL_5_MIN = '^ 5m !';

/** The site's rules over `readings` (on their scheduler), as brief lines. */
const watched = (readings: Observable<Reading> & { scheduler: SchedulerLike }, state: RuleStateStore = new MemoryRuleState()) =>
  readings.pipe(watchSite({ site, scheduler: readings.scheduler, state }), brief());

describe('watchSite', () => {
  it('raises smoke per detector and confirms the fire when a second detector of the zone agrees', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot<Reading>('k 30s c', v);
      expectObservable(watched(readings), UNTIL_5_MIN)
        .toBe('a 30s (bc)', {
          a: 'raise fire.smoke device:smoke-kitchen ×1',
          b: 'raise fire.smoke device:smoke-corridor ×1',
          c: 'raise fire.confirmed zone:b1.f1 ×1',
        });
    });
  });

  it('puts every rule behind flood control: a repeated SOS is one alarm, its repeats reported together', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot<Reading>('s 5s s 5s s', v);
      // three presses: the first at once, the two repeats in one report after 30 s (1 + 2 = 3)
      expectObservable(watched(readings), UNTIL_5_MIN)
        .toBe('a 29s 999ms b', { a: 'raise wearable.sos resident:ann ×1', b: 'raise wearable.sos resident:ann ×2' });
    });
  });

  it('records a self-test and raises no fire for it; raises leaks and calls', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot<Reading>('t-l-p', v);
      expectObservable(watched(readings), UNTIL_5_MIN)
        .toBe('a-b-c', {
          a: 'record fire.test device:smoke-101',
          b: 'raise water.leak device:leak-kitchen ×1',
          c: 'raise call.button device:call-101 ×1',
        });
    });
  });

  it('a restarted watchSite (same state) keeps the flow retard and the cancel window, and re-raises nothing', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      // 0: smoke, flow starts, call pressed; down from 4 s to 6 s; 8 s: smoke resent (cached);
      // 10 s: the retard started at 0 ends; 60 s: the resident cancels (window 120 s from 0)
      const readings = hot<Reading>('(kfp) 8s k 52s x', v);
      const rules = watched(readings, state);
      expectObservable(rules, '^ 4s !').toBe('(ab)', {
        a: 'raise fire.smoke device:smoke-kitchen ×1',
        b: 'raise call.button device:call-101 ×1',
      });
      expectObservable(rules, '6s ^ 5m !').toBe('10s (wc) 50s 2ms x', {
        w: 'raise fire.water_flow device:flow-f1 ×1',
        c: 'raise fire.confirmed zone:b1.f1 ×1', // smoke and flow in one zone agree
        x: 'clear call.button device:call-101', // passed as the rule made it: no repeat was waiting
      });
      expectSubscriptions(readings.subscriptions).toBe(['^ 4s !', '6s ^ 5m !']);
    });
  });

  it('reaches every rule even from a synchronous source, subscribed once', () => {
    const clock = new VirtualClock(0);
    const out: EventDraft[] = [];
    let subscriptions = 0;
    const counted = new Observable<Reading>((s) => {
      subscriptions++;
      return from([v.k, v.p, v.l]).subscribe(s);
    });
    counted.pipe(watchSite({ site, scheduler: clock, state: new MemoryRuleState() })).subscribe((d) => out.push(d));
    expect(out.map((d) => d.kind)).toEqual(['fire.smoke', 'call.button', 'water.leak']);
    expect(subscriptions).toBe(1);
  });

  it('passes link status to supervision: a bridge down is one root-cause event', () => {
    const clock = new VirtualClock(0);
    const out: EventDraft[] = [];
    const links = from<LinkStatus[]>([{ link: 'zigbee2mqtt', transport: 'zigbee2mqtt', up: false, ts: 0 }]);
    from<Reading[]>([]).pipe(watchSite({ site, scheduler: clock, state: new MemoryRuleState(), links })).subscribe((d) => out.push(d));
    expect(out.map((d) => `${d.action} ${d.kind} ${d.subject}`)).toEqual(['raise device.offline link:zigbee2mqtt']);
  });

  it('routes one reading to every rule whose fields it carries, and to none other', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot<Reading>('a 9ms b', {
        a: stateOf('smoke-101', { smoke: true, battery: 5, tamper: true }),
        // a quiet report of the same device still reaches trouble (restores) and fire (clear)
        b: stateOf('smoke-101', { smoke: false, battery: 90, tamper: false }),
      });
      expectObservable(watched(readings), UNTIL_5_MIN)
        .toBe('(fbt) 5ms (FBT)', {
          f: 'raise fire.smoke device:smoke-101 ×1',
          b: 'raise device.battery_low device:smoke-101 ×1',
          t: 'raise device.tamper device:smoke-101 ×1',
          F: 'clear fire.smoke device:smoke-101',
          B: 'clear device.battery_low device:smoke-101',
          T: 'clear device.tamper device:smoke-101',
        });
    });
  });

  it('stops every sweep and timer when unsubscribed', () => {
    const clock = new VirtualClock(0);
    const sub = from<Reading[]>([v.f]).pipe(watchSite({ site, scheduler: clock, state: new MemoryRuleState() })).subscribe();
    expect(clock.pending).toBeGreaterThan(0);
    sub.unsubscribe();
    expect(clock.pending).toBe(0);
  });
});
