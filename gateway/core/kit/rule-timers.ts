import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * Deadline timers of one rule, keyed by subject, on the rule's scheduler. Only conditions that are
 * pending hold a timer (a flow switch inside its retard, a repeat waiting to be reported), so the
 * count stays small; silence-based rules over every device use one sweep instead.
 * A deadline already past fires on the next turn: a restarted rule catches up at once.
 */
export class RuleTimers<K> {
  private readonly timers = new Map<K, Subscription>();

  constructor(private readonly scheduler: SchedulerLike) {}

  /** (Re)arms `key` to run `fire` at `deadline` (scheduler time, epoch ms). */
  at(key: K, deadline: number, fire: () => void): void {
    this.cancel(key);
    const delay = Math.max(0, deadline - this.scheduler.now());
    const sub = this.scheduler.schedule(() => {
      this.timers.delete(key);
      fire();
    }, delay);
    // A scheduler may run a zero delay synchronously: then the timer is already spent.
    if (!sub.closed) this.timers.set(key, sub);
  }

  has(key: K): boolean {
    return this.timers.has(key);
  }

  cancel(key: K): void {
    const sub = this.timers.get(key);
    if (sub) {
      sub.unsubscribe();
      this.timers.delete(key);
    }
  }

  /** Cancels every timer: called on unsubscribe, so a stopped rule leaves nothing scheduled. */
  dispose(): void {
    for (const sub of this.timers.values()) sub.unsubscribe();
    this.timers.clear();
  }
}
