import { Observable, type OperatorFunction, from, map, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { StateReading } from '../../../../contract/index.ts';
import { type FieldRoute, routeByField } from '../../../../gateway/core/kit/route-by-field.ts';
import { marbleScheduler } from '../marbles.ts';
import { stateOf } from '../site-fixture.ts';

/** A rule that says what it saw: `rule:device`. */
const saw = (rule: string): OperatorFunction<StateReading, string> => map((r) => `${rule}:${r.deviceId}`);

const v = {
  m: stateOf('motion', { occupancy: true, battery: 90 }),
  s: stateOf('smoke', { smoke: false, battery: 95 }),
  w: stateOf('watch', { heart_rate: 70, sos: false }),
  c: stateOf('button', { action: 'single' }),
  u: stateOf('blank', {}),
  x: stateOf('smoke', { smoke: undefined }),
};

describe('routeByField', () => {
  it('sends each reading to exactly the rules whose fields it carries, and every reading to an `every` rule', () => {
    const routes: FieldRoute<string>[] = [
      { fields: ['smoke', 'heat'], rule: saw('fire') },
      { fields: ['occupancy'], rule: saw('motion') },
      { fields: ['heart_rate', 'sos'], rule: saw('wearable') },
      { fields: ['battery'], rule: saw('battery') },
      { fields: 'every', rule: saw('all') },
    ];
    const out: string[] = [];
    from([v.m, v.s, v.w, v.c, v.u]).pipe(routeByField(routes)).subscribe((x) => out.push(x));
    // Per reading in route order; a reading carrying two of a rule's fields reaches it once.
    expect(out).toEqual([
      'motion:motion', 'battery:motion', 'all:motion',
      'fire:smoke', 'battery:smoke', 'all:smoke',
      'wearable:watch', 'all:watch',
      'all:button',
      'all:blank',
    ]);
  });

  it('routes on the key, whatever its value: an explicit undefined still reaches the rule (it decides)', () => {
    const out: string[] = [];
    of(v.x).pipe(routeByField([{ fields: ['smoke'], rule: saw('fire') }])).subscribe((x) => out.push(x));
    expect(out).toEqual(['fire:smoke']);
  });

  it('merges the rules\u2019 output over time, and unsubscribes the source with the output', () => {
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const readings = hot('m-s-w-c', v);
      const routed = readings.pipe(routeByField([
        { fields: ['occupancy'], rule: saw('motion') },
        { fields: ['smoke'], rule: saw('fire') },
        { fields: ['action'], rule: saw('call') },
      ]));
      expectObservable(routed, '^-----!').toBe('a-b---', { a: 'motion:motion', b: 'fire:smoke' });
      expectSubscriptions(readings.subscriptions).toBe('^-----!');
    });
  });

  it('subscribes the source once, after every rule: a synchronous source reaches all of them', () => {
    let subscriptions = 0;
    const counted = new Observable<StateReading>((sub) => {
      subscriptions++;
      return from([v.s, v.m]).subscribe(sub);
    });
    const out: string[] = [];
    counted.pipe(routeByField([
      { fields: 'every', rule: saw('a') },
      { fields: 'every', rule: saw('b') },
    ])).subscribe((x) => out.push(x));
    expect(subscriptions).toBe(1);
    expect(out).toEqual(['a:smoke', 'b:smoke', 'a:motion', 'b:motion']);
  });

  it('passes completion and errors to every rule', () => {
    marbleScheduler().run(({ cold, expectObservable }) => {
      const routes: FieldRoute<string>[] = [{ fields: ['smoke'], rule: saw('fire') }, { fields: 'every', rule: saw('all') }];
      expectObservable(cold('s 9ms |', v).pipe(routeByField(routes))).toBe('(ab) 6ms |', { a: 'fire:smoke', b: 'all:smoke' });
      expectObservable(cold('s 9ms #', v).pipe(routeByField(routes))).toBe('(ab) 6ms #', { a: 'fire:smoke', b: 'all:smoke' });
      expectObservable(throwError(() => 'boom').pipe(routeByField(routes))).toBe('#', undefined, 'boom');
    });
  });

  it('refuses more routes than one mask holds', () => {
    const many = Array.from({ length: 32 }, (): FieldRoute<string> => ({ fields: 'every', rule: saw('x') }));
    expect(() => routeByField(many)).toThrow(/at most 31 routes/);
  });
});
