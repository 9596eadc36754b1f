import { ChangeBus } from './change-bus.ts';
import type { StoredAlarmChange } from './store/types.ts';

export type AlarmChangeListener = (change: StoredAlarmChange) => void;

/**
 * Committed alarm changes, fanned out to live streams in this process. The change log in the
 * store is the truth: a listener that misses something resumes from it by change id.
 */
export class AlarmBus extends ChangeBus<StoredAlarmChange> {}
