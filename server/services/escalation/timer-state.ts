import type { EscalationStep } from '../../../contract/index.ts';
import type { AlarmTimer } from '../store/alarm-timer-store.ts';
import type { StoredAlarmChange } from '../store/types.ts';

/** Confirmations are accepted this long after the last contact was tried. */
export const LATE_CONFIRM_MS = 24 * 3600_000;

/** The escalation chain as persisted in an `escalate` timer (and stashed in `resignal` while acknowledged). */
export interface Chain {
  steps: EscalationStep[];
  /** Index of the next step to take. */
  level: number;
  /** When step times count from (the raise; moved on a re-signal so the remaining gaps stay). */
  startedAt: number;
}

export interface ContactRound {
  channel: string;
  /** Contacts tried so far. */
  tried: number;
  /** SHA-256 (hex) of each token issued, with the contact's position (1-based). */
  tokens: Array<{ hash: string; position: number }>;
  done?: boolean;
}

export interface Delivery {
  channel: string;
  attempt: number;
  /** Sealed JSON body (it may carry a contact's name and phone). */
  sealed: string;
}

/** A webhook attempt to make once the round that claimed it has committed. */
export interface Send {
  timer: AlarmTimer;
  delivery: Delivery;
  body: string;
}

/** What one round of due timers leaves to do after its commit. */
export interface Round {
  changes: StoredAlarmChange[];
  sends: Send[];
}

export const timerIds = {
  escalate: (alarmId: string) => `escalate:${alarmId}`,
  resignal: (alarmId: string) => `resignal:${alarmId}`,
  contact: (alarmId: string) => `contact:${alarmId}`,
};

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
