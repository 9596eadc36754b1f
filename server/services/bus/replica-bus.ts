/**
 * What one server replica tells the others (issue 22): committed alarm changes, provisioning
 * changes. The store stays the truth; the bus only carries news of it, so a message lost on the
 * way costs latency, never data (streams resume from the store by change id, and the provisioning
 * version check catches up).
 *
 * Topics are relative (`alarms`, `provisioning`); the implementation adds its prefix.
 */
export interface ReplicaBus {
  /** `in-process` (one replica, the default) or `nats`. */
  readonly kind: 'in-process' | 'nats';
  /** Tells the other replicas; never comes back to this one (it has told its own listeners already). */
  send(topic: BusTopic, message: unknown): void;
  /** Messages the other replicas sent on `topic`; returns the unsubscribe. */
  receive(topic: BusTopic, handler: (message: unknown) => void): () => void;
  close(): Promise<void>;
}

export type BusTopic = 'alarms' | 'provisioning';

/** One process, one replica: nobody else to tell, nothing to hear. */
export class InProcessReplicaBus implements ReplicaBus {
  readonly kind = 'in-process' as const;

  send(): void {}

  receive(): () => void {
    return () => {};
  }

  async close(): Promise<void> {}
}
