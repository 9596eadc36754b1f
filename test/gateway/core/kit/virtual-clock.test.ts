import { interval, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../gateway/core/kit/virtual-clock.ts';

describe('VirtualClock', () => {
  it('runs due actions in time order, then in scheduling order, with now() at each due time', () => {
    const clock = new VirtualClock(1000);
    const seen: string[] = [];
    clock.schedule(() => seen.push(`b@${clock.now()}`), 20);
    clock.schedule(() => seen.push(`a@${clock.now()}`), 10);
    clock.schedule(() => seen.push(`c@${clock.now()}`), 20);
    clock.advanceTo(1015);
    expect(seen).toEqual(['a@1010']);
    expect(clock.now()).toBe(1015);
    clock.advanceTo(2000);
    expect(seen).toEqual(['a@1010', 'b@1020', 'c@1020']);
  });

  it('runs a day of 30 s intervals without nesting, and unsubscribing leaves nothing queued', () => {
    const clock = new VirtualClock(0);
    let ticks = 0;
    const sub = interval(30_000, clock).subscribe(() => ticks++);
    clock.advanceTo(86_400_000);
    expect(ticks).toBe(2880);
    expect(clock.pending).toBe(1);
    sub.unsubscribe();
    expect(clock.pending).toBe(0);
  });

  it('cancels an action unsubscribed before it is due', () => {
    const clock = new VirtualClock(0);
    let fired = false;
    const sub = timer(100, clock).subscribe(() => (fired = true));
    sub.unsubscribe();
    clock.advanceTo(1000);
    expect(fired).toBe(false);
    expect(clock.pending).toBe(0);
  });
});
