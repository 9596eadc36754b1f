import { describe, expect, it } from 'vitest';
import { foldClear, foldIdle, foldRaise, foldSweep, newFold } from '../../../../gateway/core/supervision/flap-fold.ts';

const W = 30 * 60_000;

describe('flap folding (ANSI/ISA-18.2 chattering alarms)', () => {
  it('a single episode is a raise and a clear', () => {
    const s = newFold();
    expect(foldRaise(s, 0, W)).toEqual({ emit: 'raise', count: 1, flapping: false });
    expect(foldRaise(s, 1, W)).toEqual({ emit: 'none' });
    expect(foldClear(s, 2, W)).toEqual({ emit: 'clear', count: 1 });
    expect(foldClear(s, 3, W)).toEqual({ emit: 'none' });
    expect(foldIdle(s, W + 1, W)).toBe(true);
  });

  it('fifty flaps within the window are four events, the last clear once stable for a window', () => {
    const s = newFold();
    const emitted: string[] = [];
    for (let i = 0; i < 50; i++) {
      for (const step of [foldRaise(s, i * 1000, W), foldClear(s, i * 1000 + 500, W)]) if (step.emit !== 'none') emitted.push(`${step.emit}:${step.count}`);
    }
    expect(foldSweep(s, 49_500 + W - 1)).toEqual({ emit: 'none' });
    const last = foldSweep(s, 49_500 + W);
    expect([...emitted, `${last.emit}:${'count' in last ? last.count : ''}`]).toEqual(['raise:1', 'clear:1', 'raise:2', 'clear:50']);
  });

  it('a raise after the window is a new episode', () => {
    const s = newFold();
    foldRaise(s, 0, W);
    foldClear(s, 1, W);
    expect(foldRaise(s, W + 1, W)).toEqual({ emit: 'raise', count: 1, flapping: false });
  });
});
