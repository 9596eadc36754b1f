/**
 * Flap folding for a condition that comes and goes (device offline/online, battery_low toggling at
 * the threshold, a loose tamper switch): the first raise and its restore are reported as they
 * happen; a second raise within the flap window marks the condition as flapping, and from then on
 * repeats only grow the count and the restore is held until the condition has stayed away for a
 * whole window. Fifty flaps are four events: raise, clear, raise (count 2, flapping), clear (count 50).
 * ANSI/ISA-18.2 calls this a "chattering" alarm: one alarm, not many.
 *
 * Pure functions over a small JSON-serialisable record, kept in RuleStateStore by the rules.
 */
export interface FoldState {
  /** The condition holds now. */
  on: boolean;
  /** An alarm is open (raised and its clear not yet sent). */
  open: boolean;
  /** Raises in the current episode. */
  count: number;
  /** Time of the latest raise of the episode. */
  lastRaiseAt: number;
  /** Set while a flapping alarm's clear is held: when to send it. */
  holdUntil?: number;
}

export type FoldStep =
  | { emit: 'raise'; count: number; flapping: boolean }
  | { emit: 'clear'; count: number }
  | { emit: 'none' };

const NONE: FoldStep = { emit: 'none' };

export function newFold(): FoldState {
  return { on: false, open: false, count: 0, lastRaiseAt: 0 };
}

/** The condition began (or is reported again). Mutates `s`. */
export function foldRaise(s: FoldState, now: number, windowMs: number): FoldStep {
  if (s.on) return NONE;
  s.on = true;
  delete s.holdUntil;
  const sameEpisode = s.count > 0 && now - s.lastRaiseAt <= windowMs;
  s.count = sameEpisode ? s.count + 1 : 1;
  s.lastRaiseAt = now;
  if (s.open) return NONE; // flapping, clear held: the repeat is folded into the open alarm
  s.open = true;
  return { emit: 'raise', count: s.count, flapping: s.count > 1 };
}

/** The condition ended. Mutates `s`. */
export function foldClear(s: FoldState, now: number, windowMs: number): FoldStep {
  if (!s.on) return NONE;
  s.on = false;
  if (!s.open) return NONE;
  if (s.count > 1) {
    s.holdUntil = now + windowMs;
    return NONE;
  }
  s.open = false;
  return { emit: 'clear', count: s.count };
}

/** A sweep: sends a held clear once the condition stayed away a whole window. Mutates `s`. */
export function foldSweep(s: FoldState, now: number): FoldStep {
  if (s.open && !s.on && s.holdUntil !== undefined && now >= s.holdUntil) {
    s.open = false;
    delete s.holdUntil;
    const count = s.count;
    s.count = 0;
    return { emit: 'clear', count };
  }
  return NONE;
}

/** A record with nothing to remember can be dropped from the store. */
export function foldIdle(s: FoldState, now: number, windowMs: number): boolean {
  return !s.on && !s.open && (s.count === 0 || now - s.lastRaiseAt > windowMs);
}
