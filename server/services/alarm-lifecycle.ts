import { ALARM_HANDLING_NONE, Severity } from '../../contract/index.ts';
import type { Alarm, AlarmChange, Event, Outcome } from '../../contract/index.ts';
import type { AlarmKeyState } from './store/types.ts';

/**
 * The alarm state model of IEC 62682 / ISA-18.2 (§ 11.5, "alarm states"), as pure functions:
 * the condition (active / cleared) and the operator (unacknowledged / acknowledged) move
 * independently, and `resolved` closes the alarm with a note. No I/O, no clock: the caller
 * passes `now` and stores what comes back.
 */

export type ChangeKind = AlarmChange['change'];

export interface Transition {
  alarm: Alarm;
  change: ChangeKind;
  /** The alarm did not exist before this transition: its id is new, so nothing in the store names it yet. */
  created?: true;
}

export interface EventStep {
  transition?: Transition;
  /** The key's new last-applied position; absent when the event changed nothing about it. */
  key?: AlarmKeyState;
}

export interface LifecycleContext {
  /** Server time, ISO 8601. */
  now: string;
  newAlarmId: () => string;
}

/**
 * Events of one subject can arrive out of order after retries. An event is stale when it is
 * older than what the key already applied by both its per-subject seq and its device time:
 * requiring both keeps a gateway whose counter restarted (seq back to 0, time moving on) alive.
 */
export function isStale(event: Pick<Event, 'seq' | 'ts'>, key: AlarmKeyState | undefined): boolean {
  return key !== undefined && event.seq <= key.lastSeq && event.ts <= key.lastTs;
}

/** Applies one newly stored event to the open alarm of its key (site, subject, kind). */
export function applyEvent(
  open: Alarm | undefined,
  key: AlarmKeyState | undefined,
  event: Event,
  ctx: LifecycleContext,
): EventStep {
  if (event.action === 'record') return {};
  const stale = isStale(event, key);
  const nextKey: AlarmKeyState | undefined = stale ? undefined : {
    lastSeq: Math.max(event.seq, key?.lastSeq ?? event.seq),
    lastTs: Math.max(event.ts, key?.lastTs ?? event.ts),
    lastAction: event.action,
  };
  const transition = event.action === 'raise'
    ? raise(open, key, event, stale, ctx)
    : stale ? undefined : clear(open, event, ctx);
  return { ...(transition ? { transition } : {}), ...(nextKey ? { key: nextKey } : {}) };
}

function raise(open: Alarm | undefined, key: AlarmKeyState | undefined, event: Event, stale: boolean, ctx: LifecycleContext): Transition | undefined {
  if (open) {
    const repeated = { ...open, count: open.count + event.count, severity: higher(open.severity, event.severity), updatedAt: ctx.now };
    if (stale || open.status === 'active_unack' || open.status === 'active_ack') {
      return { alarm: repeated, change: 'repeated' };
    }
    // ISA-18.2 return to alarm: a cleared alarm whose condition comes back needs a new acknowledgement.
    return {
      alarm: { ...repeated, status: 'active_unack', clearedAt: null, ackedAt: null, ackedBy: null },
      change: 'raised',
    };
  }
  if (stale && key?.lastAction !== 'clear') return undefined; // its episode was raised and resolved already
  // A stale raise overtaken by its own clear still happened: show it cleared, for an operator to see
  // (a call pressed and cancelled before anyone looked is still a call).
  const alarm: Alarm = {
    id: ctx.newAlarmId(),
    kind: event.kind,
    severity: event.severity,
    siteId: event.siteId,
    subject: event.subject,
    roomId: event.roomId ?? null,
    deviceId: event.deviceId ?? null,
    residentId: event.residentId ?? null,
    status: stale ? 'cleared_unack' : 'active_unack',
    raisedAt: isoTime(event.ts, ctx.now),
    clearedAt: stale && key ? isoTime(key.lastTs, ctx.now) : null,
    ackedAt: null,
    ackedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    note: null,
    count: event.count,
    updatedAt: ctx.now,
    ...ALARM_HANDLING_NONE,
  };
  return { alarm, change: 'raised', created: true };
}

function clear(open: Alarm | undefined, event: Event, ctx: LifecycleContext): Transition | undefined {
  if (!open || (open.status !== 'active_unack' && open.status !== 'active_ack')) return undefined;
  return {
    alarm: {
      ...open,
      status: open.status === 'active_unack' ? 'cleared_unack' : 'cleared_ack',
      clearedAt: isoTime(event.ts, ctx.now),
      updatedAt: ctx.now,
    },
    change: 'cleared',
  };
}

/** A refusal is a value with a reason an operator can read, not an exception. */
/** `refused`: not in this state (409); `invalid`: the request lacks something (400). */
export type OperatorStep = Transition | { refused: string } | { invalid: string };

export function acknowledge(alarm: Alarm, by: string, now: string): OperatorStep {
  if (alarm.status === 'active_unack' || alarm.status === 'cleared_unack') {
    return {
      alarm: { ...alarm, status: alarm.status === 'active_unack' ? 'active_ack' : 'cleared_ack', ackedAt: now, ackedBy: by, updatedAt: now },
      change: 'acked',
    };
  }
  if (alarm.status === 'resolved') return { refused: `alarm ${alarm.id} is resolved and cannot be acknowledged` };
  return { refused: `alarm ${alarm.id} is already acknowledged (by ${alarm.ackedBy ?? 'someone'} at ${alarm.ackedAt ?? 'an unknown time'})` };
}

/**
 * Closes the alarm with its outcome (issue 18). A critical alarm needs a note too: an inquiry
 * reads why a fall or a fire was closed, not just that it was.
 */
export function resolve(alarm: Alarm, by: string, outcome: Outcome, note: string | undefined, now: string): OperatorStep {
  if (alarm.status === 'resolved') {
    return { refused: `alarm ${alarm.id} is already resolved (by ${alarm.resolvedBy ?? 'someone'} at ${alarm.resolvedAt ?? 'an unknown time'})` };
  }
  const text = note?.trim() ? note.trim() : null;
  if (alarm.severity === 'critical' && text === null) return { invalid: `alarm ${alarm.id} is critical: resolving it needs a note saying what was done` };
  return {
    alarm: { ...alarm, status: 'resolved', resolvedAt: now, resolvedBy: by, outcome, note: text, attendedBy: null, attendedAt: null, updatedAt: now },
    change: 'resolved',
  };
}

/** Staff presence at the resident (nurse-call "presence" / "attending"): on, or off when they leave. */
export function attend(alarm: Alarm, by: string, present: boolean, now: string): OperatorStep {
  if (alarm.status === 'resolved') return { refused: `alarm ${alarm.id} is resolved` };
  if (present) {
    if (alarm.attendedBy === by) return { refused: `${by} is already attending alarm ${alarm.id}` };
    return { alarm: { ...alarm, attendedBy: by, attendedAt: now, updatedAt: now }, change: 'attended' };
  }
  if (alarm.attendedBy === null) return { refused: `nobody is attending alarm ${alarm.id}` };
  return { alarm: { ...alarm, attendedBy: null, attendedAt: null, updatedAt: now }, change: 'attended' };
}

export function assign(alarm: Alarm, to: string | null, now: string): OperatorStep {
  if (alarm.status === 'resolved') return { refused: `alarm ${alarm.id} is resolved` };
  return { alarm: { ...alarm, assignedTo: to, updatedAt: now }, change: 'assigned' };
}

/** A comment changes nothing but the alarm's time; its text lives in the audit trail. */
export function comment(alarm: Alarm, now: string): OperatorStep {
  return { alarm: { ...alarm, updatedAt: now }, change: 'commented' };
}

/**
 * Re-signal (nurse-call practice, UL 1069 "shown until reset"): an acknowledged alarm whose
 * condition has not cleared comes back unacknowledged. Nothing happens to a cleared or resolved
 * one, or while staff are with the resident.
 */
export function resignal(alarm: Alarm, now: string): Transition | undefined {
  if (alarm.status !== 'active_ack' || alarm.attendedBy !== null) return undefined;
  return { alarm: { ...alarm, status: 'active_unack', ackedAt: null, ackedBy: null, updatedAt: now }, change: 'resignalled' };
}

/** One escalation step taken; only an alarm still unacknowledged escalates. */
export function escalate(alarm: Alarm, level: number, label: string, now: string): Transition | undefined {
  if (alarm.status !== 'active_unack' && alarm.status !== 'cleared_unack') return undefined;
  return { alarm: { ...alarm, escalationLevel: level, escalatedTo: label, updatedAt: now }, change: 'escalated' };
}

const RANK = new Map(Severity.options.map((severity, index) => [severity, index]));

/** The more severe of two severities (critical ranks first). */
export function higher(a: Severity, b: Severity): Severity {
  return (RANK.get(a) ?? 0) <= (RANK.get(b) ?? 0) ? a : b;
}

/** ISO time of an epoch-ms value; a value no Date can hold falls back, so one bad event never fails a batch. */
export function isoTime(epochMs: number, fallback: string): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? fallback : date.toISOString();
}
