import type { StoredAlarmChange } from './store/types.ts';

export type AlarmChangeListener = (change: StoredAlarmChange) => void;

/**
 * Committed alarm changes, fanned out to live streams in this process. The change log in the
 * store is the truth: a listener that misses something resumes from it by change id.
 */
export class AlarmBus {
  private readonly listeners = new Set<AlarmChangeListener>();

  subscribe(listener: AlarmChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(changes: readonly StoredAlarmChange[]): void {
    for (const change of changes) {
      for (const listener of this.listeners) {
        // The change is committed already: one broken stream must not fail the request that made it.
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
