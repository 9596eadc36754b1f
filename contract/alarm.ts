import { z } from 'zod';
import { DeviceId, ResidentId, RoomId, SiteId } from './ids.ts';
import { EventKind, Severity } from './event.ts';

/**
 * Alarm states after IEC 62682 / ISA-18.2's alarm state model: an alarm is active or cleared
 * (the condition) and acknowledged or not (the operator); `resolved` closes it.
 */
export const AlarmStatus = z.enum(['active_unack', 'active_ack', 'cleared_unack', 'cleared_ack', 'resolved']);
export type AlarmStatus = z.infer<typeof AlarmStatus>;

const IsoTime = z.string();

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
});
export type Alarm = z.infer<typeof Alarm>;

/** One message of `GET /api/v1/stream`: the alarm as it is after the change. */
export const AlarmChange = z.object({
  change: z.enum(['raised', 'repeated', 'cleared', 'acked', 'resolved']),
  alarm: Alarm,
});
export type AlarmChange = z.infer<typeof AlarmChange>;
