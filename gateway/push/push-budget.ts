import { performance } from 'node:perf_hooks';

/**
 * Push intake's share of the event loop that also carries MQTT alarms (issue 16: a flood of
 * pushes the gateway had to read and parse took the MQTT alarm path's PUBACK from 2 ms to
 * seconds; bench `hostile`). Two bounds, both checked when a push's headers are in, before its
 * body is read, so a refusal costs next to nothing:
 * - at most `maxInFlight` pushes read and handled at once (memory and queueing);
 * - at most `maxLoopShare` of each second spent handling pushes (parse, verify, decode, store),
 *   measured around the handler.
 * A refused push gets 503 with Retry-After: carriers' platforms retry a 5xx, so a real
 * detector's message arrives once the flood is over (dedupe keeps retries single).
 */
export interface PushBudgetOptions {
  /** Pushes read and handled at once (default 8). */
  maxInFlight?: number;
  /** Share of each second the handlers may take (default 0.1: 100 ms a second). */
  maxLoopShare?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
}

export type BudgetRefusal = 'in_flight' | 'loop_share';

const WINDOW_MS = 1000;

export class PushBudget {
  private inFlight = 0;
  private windowStart: number;
  private spentMs = 0;
  private readonly maxInFlight: number;
  private readonly maxSpentMs: number;
  private readonly now: () => number;

  constructor(opts: PushBudgetOptions = {}) {
    this.maxInFlight = opts.maxInFlight ?? 8;
    this.maxSpentMs = (opts.maxLoopShare ?? 0.1) * WINDOW_MS;
    this.now = opts.now ?? (() => performance.now());
    this.windowStart = this.now();
  }

  /** A push may be read: it holds a place until `leave()`. Otherwise why it may not. */
  enter(): BudgetRefusal | undefined {
    this.roll();
    if (this.inFlight >= this.maxInFlight) return 'in_flight';
    if (this.spentMs >= this.maxSpentMs) return 'loop_share';
    this.inFlight += 1;
    return undefined;
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Runs a push's handler, counting its time against the share. */
  timed<T>(handle: () => T): T {
    const t0 = this.now();
    try {
      return handle();
    } finally {
      this.roll();
      this.spentMs += this.now() - t0;
    }
  }

  /** Seconds until the share is free again, for Retry-After. */
  retryAfterSec(): number {
    return Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - this.now()) / 1000));
  }

  private roll(): void {
    const t = this.now();
    const windows = Math.floor((t - this.windowStart) / WINDOW_MS);
    if (windows < 1) return;
    this.windowStart += windows * WINDOW_MS;
    // What a long handler overspent is paid from the next windows, not forgotten.
    this.spentMs = Math.max(0, this.spentMs - windows * this.maxSpentMs);
  }
}
