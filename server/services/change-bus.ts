/**
 * Committed changes, fanned out to listeners in this process (live streams, caches). The store is
 * the truth: a listener that misses something catches up from it, and a second server replica
 * learns of changes through its own bus (NATS later; until then a periodic version check,
 * server/services/registry/provisioning-watch.ts).
 */
export class ChangeBus<T> {
  private readonly listeners = new Set<(change: T) => void>();

  subscribe(listener: (change: T) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(changes: readonly T[]): void {
    for (const change of changes) {
      for (const listener of this.listeners) {
        // The change is committed already: one broken listener must not fail the request that made it.
        try {
          listener(change);
        } catch {
          this.listeners.delete(listener);
        }
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
