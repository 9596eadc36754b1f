import { z } from 'zod';
import { DeviceId, ResidentId, RoomId, SiteId } from './ids.ts';
import { AuditRecord } from './audit.ts';
import { EventKind, Severity } from './event.ts';

/**
 * Alarm states after IEC 62682 / ISA-18.2's alarm state model: an alarm is active or cleared
 * (the condition) and acknowledged or not (the operator); `resolved` closes it.
 */
export const AlarmStatus = z.enum(['active_unack', 'active_ack', 'cleared_unack', 'cleared_ack', 'resolved']);
export type AlarmStatus = z.infer<typeof AlarmStatus>;

const IsoTime = z.string();

/**
 * How an alarm ended (issue 18; the outcome codes care-call centres report on). `resolve` needs
 * one; a critical alarm needs a note too.
 */
export const Outcome = z.enum(['false_alarm', 'resident_helped', 'ambulance_called', 'fire_brigade_called', 'device_fault', 'other']);
export type Outcome = z.infer<typeof Outcome>;

export const Alarm = z.object({
  id: z.string(),
  kind: EventKind,
  severity: Severity,
  siteId: SiteId,
  subject: z.string(),
  roomId: RoomId.nullable(),
  deviceId: DeviceId.nullable(),
  residentId: ResidentId.nullable(),
  status: AlarmStatus,
  raisedAt: IsoTime,
  clearedAt: IsoTime.nullable(),
  ackedAt: IsoTime.nullable(),
  ackedBy: z.string().nullable(),
  resolvedAt: IsoTime.nullable(),
  resolvedBy: z.string().nullable(),
  note: z.string().nullable(),
  count: z.number().int().min(1),
  updatedAt: IsoTime,
  // Handling (issue 18). Defaults: alarms stored before these fields existed read as "none yet".
  /** How it ended (contract `Outcome`), set on resolve. */
  outcome: Outcome.nullable().default(null),
  /** The person it is assigned to. */
  assignedTo: z.string().nullable().default(null),
  /** Who is with the resident now (staff presence), and since when; null when nobody is. */
  attendedBy: z.string().nullable().default(null),
  attendedAt: IsoTime.nullable().default(null),
  /** Escalation steps taken so far (0: none), and the label of the last one. */
  escalationLevel: z.number().int().min(0).default(0),
  escalatedTo: z.string().nullable().default(null),
});
export type Alarm = z.infer<typeof Alarm>;

/** The handling fields of an alarm nobody has handled yet (and of one stored before they existed). */
export const ALARM_HANDLING_NONE = {
  outcome: null, assignedTo: null, attendedBy: null, attendedAt: null, escalationLevel: 0, escalatedTo: null,
} as const satisfies Partial<Alarm>;

/** One message of `GET /api/v1/stream`: the alarm as it is after the change. */
export const AlarmChangeKind = z.enum([
  'raised', 'repeated', 'cleared', 'acked', 'resolved',
  // handling (issue 18): escalation step taken, re-signalled after an acknowledgement went stale,
  // staff presence on or off, assigned, commented
  'escalated', 'resignalled', 'attended', 'assigned', 'commented',
]);
export type AlarmChangeKind = z.infer<typeof AlarmChangeKind>;

export const AlarmChange = z.object({
  change: AlarmChangeKind,
  alarm: Alarm,
});
export type AlarmChange = z.infer<typeof AlarmChange>;


/** `POST /api/v1/alarms/{id}/resolve`. The note is required for critical alarms (checked by the server, which knows the severity). */
export const ResolveBody = z.object({
  outcome: Outcome,
  note: z.string().trim().max(2000).optional(),
});
export type ResolveBody = z.infer<typeof ResolveBody>;

/** `POST /api/v1/alarms/{id}/attend`: staff at the resident (true) or gone again (false). Holds the re-signal while true. */
export const AttendBody = z.object({ present: z.boolean().default(true) }).default({ present: true });
export type AttendBody = z.infer<typeof AttendBody>;

/** `POST /api/v1/alarms/{id}/assign`: to a person (username), or null to unassign. */
export const AssignBody = z.object({ to: z.string().trim().min(1).max(64).nullable() });
export type AssignBody = z.infer<typeof AssignBody>;

/** `POST /api/v1/alarms/{id}/comment`. */
export const CommentBody = z.object({ text: z.string().trim().min(1, 'a comment needs text').max(2000) });
export type CommentBody = z.infer<typeof CommentBody>;

/**
 * `POST /api/v1/alarms/{id}/confirm`: an emergency contact (who has no account) confirms they are
 * dealing with it, with the one-time token their call or message carried. Stops the contact round.
 */
export const ConfirmBody = z.object({ token: z.string().min(16).max(128) });
export type ConfirmBody = z.infer<typeof ConfirmBody>;
export const ConfirmResponse = z.object({ alarmId: z.string(), confirmed: z.literal(true), contact: z.number().int().min(1) });
export type ConfirmResponse = z.infer<typeof ConfirmResponse>;

/**
 * `GET /api/v1/alarms/{id}/timeline`: the alarm and every audit record about it, oldest first —
 * raised, escalated, each notification attempt, acknowledged, attended, assigned, commented,
 * re-signalled, resolved — with who, when and from where.
 */
export const AlarmTimeline = z.object({
  alarm: Alarm,
  entries: z.array(AuditRecord),
});
export type AlarmTimeline = z.infer<typeof AlarmTimeline>;
