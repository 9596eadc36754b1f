import { describe, expect, it } from 'vitest';
import { DeadlineWheel } from '../../../../gateway/core/kit/deadline-wheel.ts';

describe('DeadlineWheel', () => {
  it('gives back only the items whose deadline has passed, each once, in slot order', () => {
    const wheel = new DeadlineWheel<string>(1000);
    wheel.add('c', 30_500);
    wheel.add('a', 10_000);
    wheel.add('b', 20_000);
    wheel.add('a2', 10_000);
    expect(wheel.takeDue(9_999)).toEqual([]);
    expect(wheel.takeDue(20_000)).toEqual(['a', 'a2', 'b']);
    expect(wheel.takeDue(30_999)).toEqual([]);
    expect(wheel.takeDue(31_000)).toEqual(['c']);
    expect(wheel.size).toBe(0);
  });

  it('keeps heap order over many random deadlines', () => {
    const wheel = new DeadlineWheel<number>(10);
    let seed = 7;
    const deadlines = Array.from({ length: 5000 }, () => (seed = (seed * 48271) % 2147483647) % 1_000_000);
    deadlines.forEach((d) => wheel.add(d, d));
    const taken: number[] = [];
    for (let now = 0; now < 1_020_000; now += 9_973) {
      const due = wheel.takeDue(now);
      for (const d of due) expect(d).toBeLessThanOrEqual(now);
      taken.push(...due);
    }
    expect(taken.sort((a, b) => a - b)).toEqual([...deadlines].sort((a, b) => a - b));
  });
});
