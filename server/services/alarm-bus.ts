import { ChangeBus } from './change-bus.ts';
import type { StoredAlarmChange } from './store/types.ts';

export type AlarmChangeListener = (change: StoredAlarmChange) => void;

/**
 * Committed alarm changes, fanned out to live streams in this process, in change-id order. The
 * change log in the store is the truth: a listener that misses something resumes from it by id.
 * With several replicas (issue 22) the implementation is server/services/bus/replicated-alarm-bus.ts.
 */
export interface AlarmBus {
  /** This process committed these (in commit order). */
  publish(changes: readonly StoredAlarmChange[]): void;
  subscribe(listener: AlarmChangeListener): () => void;
}

/** One replica: what this process commits is all there is, already in order. */
export class LocalAlarmBus extends ChangeBus<StoredAlarmChange> implements AlarmBus {}
