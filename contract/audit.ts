import { z } from 'zod';

/**
 * What the audit trail records: every step of an alarm's life and every view of personal data,
 * with who, when and from where (issue 18; PIPL art. 28 for the resident's card; MCA Order 66 and
 * GB 50440 for how long it is kept). Areas add actions here as they record new kinds of step.
 */
export const AuditAction = z.enum([
  // an alarm's life
  'alarm.raised', 'alarm.repeated', 'alarm.cleared', 'alarm.escalated', 'alarm.notified', 'alarm.acknowledged',
  'alarm.attended', 'alarm.assigned', 'alarm.commented', 'alarm.resignalled', 'alarm.resolved',
  'alarm.contact_confirmed',
  // personal data
  'resident.viewed', 'resident.exported', 'resident.erased',
  // people and provisioning
  'session.signed_in', 'session.signed_out', 'session.refused',
  'provisioning.changed',
]);
export type AuditAction = z.infer<typeof AuditAction>;

/** An entry as a caller hands it over: the store numbers and chains it. */
export const AuditRecordInput = z.object({
  at: z.number().int(),
  /** Username, `gateway:{id}`, or `server` for the server's own steps (escalation, re-signal). */
  actor: z.string().min(1).max(128),
  /** The caller's address (after the proxy headers the server trusts), when a person or machine called. */
  from: z.string().max(64).nullable(),
  action: AuditAction,
  siteId: z.string().nullable(),
  alarmId: z.string().nullable(),
  residentId: z.string().nullable(),
  details: z.record(z.string(), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])),
});
export type AuditRecordInput = z.infer<typeof AuditRecordInput>;

export const AuditRecord = AuditRecordInput.extend({
  /** Position in the chain: 1, 2, 3 … with no gaps; a gap is a deleted record. */
  seq: z.number().int().min(1),
  /** SHA-256 (hex) of the previous record; 64 zeros before the first. */
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** SHA-256 (hex) of `prevHash` and this record's canonical JSON. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

/** `GET /api/v1/audit/verify`: the chain checked end to end, naming the first record that breaks it. */
export const AuditVerification = z.object({
  ok: z.boolean(),
  /** Records checked. */
  checked: z.number().int().min(0),
  /** The newest record's position and hash, for a reader who keeps them to detect a truncated tail. */
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  firstBroken: z.object({
    seq: z.number().int(),
    problem: z.enum(['edited', 'deleted', 'reordered']),
    message: z.string(),
  }).nullable(),
});
export type AuditVerification = z.infer<typeof AuditVerification>;
