import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs';

/**
 * A virtual-time scheduler for replaying long stretches of time fast (a whole day in tests, the
 * benchmark): `now()` is virtual epoch ms, `advanceTo(t)` runs everything due up to `t` in time
 * order. Unlike rxjs' VirtualTimeScheduler, a periodic action (interval, a sweep) reschedules
 * itself instead of nesting a new action per period, so a day of 30-second sweeps (2,880 of
 * them) does not build a 2,880-deep subscription chain that overflows the stack on unsubscribe.
 */
export class VirtualClock implements SchedulerLike {
  private current: number;
  private seq = 0;
  private readonly queue: ClockAction<any>[] = [];

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new ClockAction<T>(this, work).schedule(state, delay);
  }

  /** Runs every action due at or before `t`, then leaves the clock at `t`. */
  advanceTo(t: number): void {
    for (;;) {
      const next = this.queue[0];
      if (!next || next.due > t) break;
      this.pop();
      this.current = Math.max(this.current, next.due);
      next.run();
    }
    this.current = Math.max(this.current, t);
  }

  /** Actions waiting (for tests proving clean-up). */
  get pending(): number {
    return this.queue.length;
  }

  /** @internal */
  enqueue(action: ClockAction<any>): void {
    action.order = this.seq++;
    const q = this.queue;
    q.push(action);
    let i = q.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(q[i]!, q[parent]!)) break;
      [q[i], q[parent]] = [q[parent]!, q[i]!];
      i = parent;
    }
  }

  /** @internal */
  remove(action: ClockAction<any>): void {
    const i = this.queue.indexOf(action);
    if (i < 0) return;
    const last = this.queue.pop()!;
    if (i < this.queue.length) {
      this.queue[i] = last;
      this.heapify();
    }
  }

  private pop(): void {
    const q = this.queue;
    const last = q.pop()!;
    if (q.length > 0) {
      q[0] = last;
      this.siftDown(0);
    }
  }

  private heapify(): void {
    for (let i = (this.queue.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const q = this.queue;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < q.length && before(q[l]!, q[m]!)) m = l;
      if (r < q.length && before(q[r]!, q[m]!)) m = r;
      if (m === i) return;
      [q[i], q[m]] = [q[m]!, q[i]!];
      i = m;
    }
  }
}

function before(a: ClockAction<any>, b: ClockAction<any>): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}

class ClockAction<T> extends Subscription implements SchedulerAction<T> {
  due = 0;
  order = 0;
  private state?: T;
  private queued = false;

  constructor(private readonly clock: VirtualClock, private readonly work: (this: SchedulerAction<T>, state?: T) => void) {
    super(() => this.dequeue());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.dequeue();
    this.state = state;
    this.due = this.clock.now() + Math.max(0, delay);
    this.queued = true;
    this.clock.enqueue(this);
    return this;
  }

  run(): void {
    this.queued = false;
    if (this.closed) return;
    this.work.call(this, this.state);
    // Not rescheduled by its work: a one-shot action is done.
    if (!this.queued) this.unsubscribe();
  }

  private dequeue(): void {
    if (this.queued) {
      this.queued = false;
      this.clock.remove(this);
    }
  }
}
