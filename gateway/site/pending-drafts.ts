import type { EventDraft } from '../core/kit/event-draft.ts';
import { Backoff } from '../../contract/backoff.ts';

export interface PendingDraftsOptions {
  /** Stores one draft durably; throws when it cannot (the outbox's `append`). */
  append: (draft: EventDraft) => void;
  /** A draft could not be stored and is now held (first failure of a run of failures). */
  onHeld: (draft: EventDraft, err: Error, held: number) => void;
  /** Everything held is stored again, after `retries` attempts, `heldMs` after the first failure. */
  onRecovered: (stored: number, retries: number, heldMs: number, lastError: string) => void;
  clock?: () => number;
  /** Backoff between attempts (default 200 ms doubling to 10 s): the project's one backoff. */
  backoff?: Backoff;
}

/**
 * Events raised with no device waiting for an answer — a timer or a sweep (water-flow retard,
 * inactivity, silence, maybe-fall verification, untested reminders), or the gateway's own
 * trouble — that the outbox could not store: held in raise order and retried with backoff until
 * stored (issue 15 defect 3). Nothing held is ever dropped; while something is held, newer
 * drafts queue behind it so each subject's events keep their order.
 * Held drafts live in memory: a process that dies while the store is failing loses them, but
 * not silently — the failure was logged, counted and the held count is a gauge.
 */
export class PendingDrafts {
  private readonly queue: EventDraft[] = [];
  private readonly backoff: Backoff;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private firstFailedAt = 0;
  private retries = 0;
  private lastError = '';
  private stopped = false;

  constructor(private readonly opts: PendingDraftsOptions) {
    this.backoff = opts.backoff ?? new Backoff(200, 10_000);
    this.clock = opts.clock ?? Date.now;
  }

  get size(): number {
    return this.queue.length;
  }

  /** Stores the draft now, or holds it (behind anything already held) and schedules a retry. */
  offer(draft: EventDraft): void {
    if (this.queue.length === 0) {
      try {
        this.opts.append(draft);
        return;
      } catch (err) {
        this.hold(draft, err as Error);
        return;
      }
    }
    this.queue.push(draft);
  }

  /**
   * Stores every held draft now, oldest first; throws the first error (what is left stays
   * held). A reading calls it before its own events, so a held raise is never overtaken by
   * the clear a later reading makes.
   */
  flush(): void {
    if (this.queue.length === 0) return;
    this.drain();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private hold(draft: EventDraft, err: Error): void {
    this.queue.push(draft);
    this.lastError = err.message;
    if (this.queue.length === 1) this.firstFailedAt = this.clock();
    this.opts.onHeld(draft, err, this.queue.length);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.retries += 1;
      try {
        this.drain();
      } catch (err) {
        this.lastError = (err as Error).message;
        this.schedule();
      }
    }, this.backoff.next());
  }

  private drain(): void {
    let stored = 0;
    while (this.queue.length > 0) {
      this.opts.append(this.queue[0]!);
      this.queue.shift();
      stored += 1;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.backoff.reset();
    const retries = this.retries;
    this.retries = 0;
    this.opts.onRecovered(stored, retries, this.clock() - this.firstFailedAt, this.lastError);
  }
}
