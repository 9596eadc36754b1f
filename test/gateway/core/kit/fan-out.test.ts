import { connect, map, merge, share } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FanOut } from '../../../../gateway/core/kit/fan-out.ts';
import { marbleScheduler } from '../marbles.ts';

describe('FanOut', () => {
  it('multicasts one source to every subscriber as a connect connector, and unsubscribes it with them', () => {
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a 9ms b 9ms c');
      const both = source.pipe(connect((s) => merge(s.pipe(map((x) => x.toUpperCase())), s), { connector: () => new FanOut<string>() }));
      expectObservable(both, '^ 15ms !').toBe('(Aa) 6ms (Bb)', { A: 'A', a: 'a', B: 'B', b: 'b' });
      expectSubscriptions(source.subscriptions).toBe('^ 15ms !');
    });
  });

  it('as a share connector: one subscription to the source, completion and errors reach every subscriber', () => {
    marbleScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-|');
      const shared = source.pipe(share({ connector: () => new FanOut<string>() }));
      expectObservable(shared).toBe('a-b-|');
      expectObservable(shared).toBe('a-b-|');
      expectSubscriptions(source.subscriptions).toBe('^---!');
      const failing = cold('a-#').pipe(share({ connector: () => new FanOut<string>() }));
      expectObservable(failing).toBe('a-#');
      expectObservable(failing).toBe('a-#');
    });
  });

  it('a subscriber leaving during a value does not disturb the others', () => {
    const fan = new FanOut<number>();
    const seen: string[] = [];
    const first = fan.subscribe((x) => { seen.push(`1:${x}`); first.unsubscribe(); });
    fan.subscribe((x) => seen.push(`2:${x}`));
    fan.next(1);
    fan.next(2);
    expect(seen).toEqual(['1:1', '2:1', '2:2']);
  });
});
