import type { AuditAction, AuditRecordInput } from '../../contract/index.ts';
import type { ChangeKind, Transition } from './alarm-lifecycle.ts';
import type { StoredAlarmChange, Tx } from './store/types.ts';

/** Who made a change and from where: a person, `gateway:{id}`, or the server's own steps. */
export interface AuditActor {
  name: string;
  /** The caller's address; null for the server's own steps. */
  from: string | null;
}

export const SERVER_ACTOR: AuditActor = { name: 'server', from: null };

const ACTION: Record<ChangeKind, AuditAction> = {
  raised: 'alarm.raised',
  repeated: 'alarm.repeated',
  cleared: 'alarm.cleared',
  acked: 'alarm.acknowledged',
  resolved: 'alarm.resolved',
  escalated: 'alarm.escalated',
  resignalled: 'alarm.resignalled',
  attended: 'alarm.attended',
  assigned: 'alarm.assigned',
  commented: 'alarm.commented',
};

export type AuditDetails = AuditRecordInput['details'];

/**
 * Writes the alarm's new state, appends the change to the history the stream replays, and the
 * audit record of it — all in the caller's unit of work, so a change never commits without its
 * record (issue 18: every transition, with who, when and from where).
 */
export async function commitTransition(tx: Tx, transition: Transition, at: number, actor: AuditActor, details: AuditDetails = {}): Promise<StoredAlarmChange> {
  await tx.alarms.put(transition.alarm);
  return recordTransition(tx, transition, at, actor, details);
}

/**
 * The change and its audit record without the alarm's row: for a caller that writes the row
 * itself later in the same unit of work (an ingest batch writes each alarm once, ingest-batch.ts).
 */
export async function recordTransition(tx: Tx, transition: Transition, at: number, actor: AuditActor, details: AuditDetails = {}): Promise<StoredAlarmChange> {
  const { alarm, change } = transition;
  const changeId = await tx.alarms.appendChange({ alarm, change }, at);
  await tx.audit.append({
    at, actor: actor.name, from: actor.from, action: ACTION[transition.change],
    siteId: alarm.siteId, alarmId: alarm.id, residentId: alarm.residentId,
    details: { status: alarm.status, kind: alarm.kind, severity: alarm.severity, ...details },
  });
  return { changeId, change: transition.change, alarm };
}

/**
 * What reacts to an alarm's transitions inside the same unit of work (the escalation service:
 * start a chain on raise, stop it on acknowledge, arm the re-signal), and is woken after commit.
 */
export interface AlarmReactor {
  onTransition(tx: Tx, transition: Transition, at: number): Promise<void>;
  /** Called after a commit that may have added timers. */
  wake(): void;
}
