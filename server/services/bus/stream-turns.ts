import type { JsMsg } from '@nats-io/jetstream';

/**
 * Hands the messages of the events stream to this replica in stream order, across replicas
 * (issue 22). Every replica pulls from the one durable consumer, so a replica may hold messages
 * while an older one is still out — held by another replica, or by one killed mid-batch whose
 * messages JetStream redelivers only after the ack wait. Storing the newer ones first would apply
 * a device's events out of order. The stream keeps messages until they are acknowledged (work
 * queue), so its first sequence is the oldest message not yet taken: a replica stores a run of
 * consecutive messages only when it starts there (or right after the run this replica stored
 * last), and otherwise waits — keeping its messages alive — until that message is taken.
 */
export class StreamTurns {
  private readonly held = new Map<number, JsMsg>();
  /** The last stream sequence this replica stored and acknowledged. */
  private lastDone = 0;
  private arrived: (() => void) | undefined;
  private keptAliveAt = 0;

  constructor(private readonly opts: {
    /** The stream's first sequence now (`$JS.API.STREAM.INFO`). */
    firstSeq: () => Promise<number>;
    /** How long a wait for an older message lasts before asking again. */
    pollMs: number;
    /** Held messages are told to JetStream as in progress (`+WPI`) this often. */
    keepAliveMs: number;
  }) {}

  get size(): number {
    return this.held.size;
  }

  add(msg: JsMsg): void {
    this.held.set(msg.seq, msg); // a redelivery replaces the copy held
    this.arrived?.();
  }

  /** The next run to store (at most `max`), in stream order; empty when nothing is held or `stopped()`. */
  async next(max: number, stopped: () => boolean): Promise<JsMsg[]> {
    while (!stopped() && this.held.size > 0) {
      const seqs = [...this.held.keys()].sort((a, b) => a - b);
      const start = seqs[0]!;
      if (start > this.lastDone + 1 && start > await this.opts.firstSeq()) {
        this.keepAlive();
        await this.waitForArrival();
        continue;
      }
      const run: JsMsg[] = [];
      for (const seq of seqs) {
        if (run.length === max || (run.length > 0 && seq !== run.at(-1)!.seq + 1)) break;
        run.push(this.held.get(seq)!);
      }
      return run;
    }
    return [];
  }

  /** Stored and acknowledged. */
  done(run: readonly JsMsg[]): void {
    for (const msg of run) {
      if (this.held.get(msg.seq) === msg) this.held.delete(msg.seq);
      this.lastDone = Math.max(this.lastDone, msg.seq);
    }
  }

  /** Everything held (to give back on stop). */
  release(): JsMsg[] {
    const all = [...this.held.values()].sort((a, b) => a.seq - b.seq);
    this.held.clear();
    return all;
  }

  private keepAlive(): void {
    const now = Date.now();
    if (now - this.keptAliveAt < this.opts.keepAliveMs) return;
    this.keptAliveAt = now;
    for (const msg of this.held.values()) msg.working();
  }

  private async waitForArrival(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.opts.pollMs);
      this.arrived = () => { clearTimeout(timer); resolve(); };
    });
    this.arrived = undefined;
  }
}
