/**
 * The project's one backoff (STYLE: "one backoff"): delays between attempts at something that
 * failed — a serial receiver unplugged, an external broker gone, the server unreachable for the
 * forwarder, a simulator reconnecting. Exponential from `minMs`, capped at `maxMs`, with "equal
 * jitter" — half of each delay fixed, half random (AWS Architecture Blog, "Exponential Backoff And
 * Jitter") — so the links of a regional gateway do not all retry in lockstep after a power cut.
 * It lives in contract/ (which imports nothing but zod) so gateway and simulators share it
 * without crossing a wall (DESIGN.md "Where things live").
 */
export class Backoff {
  private failures = 0;

  constructor(
    readonly minMs: number,
    readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!(minMs > 0)) throw new RangeError(`minMs must be > 0, got ${minMs}`);
    if (!(maxMs >= minMs)) throw new RangeError(`maxMs (${maxMs}) must be >= minMs (${minMs})`);
  }

  /** Attempts since the last success. */
  get attempts(): number {
    return this.failures;
  }

  /** The delay before the next attempt: between ceiling/2 and ceiling, ceiling = min·2ⁿ ≤ max. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures, 30));
    this.failures += 1;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** The link is back: the next loss starts again from `minMs`. */
  reset(): void {
    this.failures = 0;
  }
}
