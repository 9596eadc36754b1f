import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Alarm, AlarmStatus } from './alarm.ts';
import { Event, GatewayId } from './event.ts';
import { Id, SiteId } from './ids.ts';

export const API_PREFIX = '/api/v1';

/** Batches stay small so one request never holds a life-safety event behind a large backlog. */
export const MAX_INGEST_BATCH = 500;

/**
 * A batch of events. Each event is checked on its own (contract `Event`, and the gateway's right
 * to its site): one refused event never blocks the others (CONTRACT.md "Ingest accepts or refuses
 * each event by itself"). Only the envelope and each event's id are checked for the whole batch.
 */
export const IngestRequest = z.object({
  gatewayId: GatewayId,
  events: z.array(z.looseObject({ id: Event.shape.id })).min(1).max(MAX_INGEST_BATCH),
});
export type IngestRequest = z.infer<typeof IngestRequest>;

/** Why the server refused one event; the gateway parks it (kept, counted, shown) and moves on. */
export const IngestRefusalCode = z.enum([
  /** The event's site is not provisioned for this gateway (yet): a hot-added home, a typo. */
  'site_not_served',
  /** The event does not match contract `Event` (a kind this server does not know, a bad field). */
  'invalid',
]);
export type IngestRefusalCode = z.infer<typeof IngestRefusalCode>;

export const IngestRefusal = z.object({
  id: z.string(),
  code: IngestRefusalCode,
  /** For people: what was wrong, as `path: message` for invalid events. */
  reason: z.string(),
});
export type IngestRefusal = z.infer<typeof IngestRefusal>;

export const IngestResponse = z.object({
  /** Ids stored now or before: the gateway may drop them from its outbox. */
  stored: z.array(z.string()),
  duplicates: z.number().int().min(0),
  /** Ids not stored, each with its reason; nothing of them was written. */
  refused: z.array(IngestRefusal).default([]),
});
export type IngestResponse = z.infer<typeof IngestResponse>;

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest in lowercase hex');

export const HeartbeatRequest = z.object({
  gatewayId: GatewayId,
  /**
   * The sites the gateway watches, in full; an empty list stands for every site it is
   * provisioned for. Sent when the list changed since the last heartbeat the server took, or when
   * the server asked for it; otherwise left out and `sitesDigest` names it: a regional gateway's
   * 10,000 ids every 30 s held the server's event loop 60–220 ms a time (regional benchmark).
   */
  siteIds: z.array(SiteId).max(100_000).optional(),
  /** `sitesDigest(siteIds)` of the list in force; required when `siteIds` is left out. */
  sitesDigest: Sha256Hex.optional(),
  outboxDepth: z.number().int().min(0),
  startedAt: z.number().int(),
}).refine((b) => b.siteIds !== undefined || b.sitesDigest !== undefined, { message: 'siteIds or sitesDigest is required', path: ['siteIds'] });
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const HeartbeatResponse = z.object({
  status: z.literal('ok'),
  serverTime: z.number().int(),
  /** The digest did not name the list the server holds (a new server, a lost row): send `siteIds` in full. */
  needSites: z.boolean().optional(),
  /**
   * The newest configuration version for this gateway (contract `GatewayConfig`): a gateway that
   * has applied less pulls `GET /api/v1/gateway/config` (absent from servers without a site registry).
   */
  configVersion: z.number().int().min(0).optional(),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

/** What a heartbeat names its site list by: SHA-256 (hex) of the ids as sent, sorted, one per line. */
export function sitesDigest(siteIds: readonly string[]): string {
  return createHash('sha256').update([...siteIds].sort().join('\n')).digest('hex');
}

export const AlarmListQuery = z.object({
  site: SiteId.optional(),
  /** A region node: only sites beneath it (within the caller's scope). */
  region: Id.optional(),
  status: z.enum(['active', 'all']).default('active'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  /** `nextCursor` of the previous page: the alarms after it (older), in the same order. */
  cursor: z.string().max(200).optional(),
});
export type AlarmListQuery = z.infer<typeof AlarmListQuery>;

/**
 * `GET /api/v1/alarms` answers the list (newest first) with the change id it is current to, so a
 * console can open the stream with `Last-Event-ID: lastChangeId` and miss nothing in between.
 * A page holds at most `limit` alarms; `more` says whether more match, and `nextCursor` asks for
 * them (issue 15, defect 8: the list stopped at 200 without saying so).
 */
export const AlarmListResponse = z.object({
  alarms: z.array(Alarm),
  /** Opaque (issue 16: ids reveal nothing of other sites' activity); "0" before any change. */
  lastChangeId: z.string().max(64),
  more: z.boolean(),
  /** Present when `more`: pass as `cursor` for the next page. */
  nextCursor: z.string().optional(),
});
export type AlarmListResponse = z.infer<typeof AlarmListResponse>;

export const AlarmIdParams = z.object({ id: z.string().min(1).max(64) });


export const ErrorBody = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Role = z.enum(['staff', 'callcentre', 'firedept', 'admin', 'gateway']);
export type Role = z.infer<typeof Role>;

/** The opaque cursor of an alarm page: where the last alarm of the page sits in the order. */
export function alarmCursor(last: { raisedAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([last.raisedAt, last.id])).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one this server wrote. */
export function parseAlarmCursor(cursor: string): { raisedAt: string; id: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return { raisedAt: value[0], id: value[1] };
  } catch { /* not one of ours: the caller answers 400 */ }
  return undefined;
}

export { AlarmStatus, Id };
