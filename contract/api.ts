import { z } from 'zod';
import { Alarm, AlarmStatus } from './alarm.ts';
import { Event, GatewayId } from './event.ts';
import { Id, SiteId } from './ids.ts';

export const API_PREFIX = '/api/v1';

/** Batches stay small so one request never holds a life-safety event behind a large backlog. */
export const MAX_INGEST_BATCH = 500;

export const IngestRequest = z.object({
  gatewayId: GatewayId,
  events: z.array(Event).min(1).max(MAX_INGEST_BATCH),
});
export type IngestRequest = z.infer<typeof IngestRequest>;

export const IngestResponse = z.object({
  /** Ids stored now or before: the gateway may drop them from its outbox. */
  stored: z.array(z.string()),
  duplicates: z.number().int().min(0),
});
export type IngestResponse = z.infer<typeof IngestResponse>;

export const HeartbeatRequest = z.object({
  gatewayId: GatewayId,
  siteIds: z.array(SiteId).max(100_000),
  outboxDepth: z.number().int().min(0),
  startedAt: z.number().int(),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const AlarmListQuery = z.object({
  site: SiteId.optional(),
  status: z.enum(['active', 'all']).default('active'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type AlarmListQuery = z.infer<typeof AlarmListQuery>;

/**
 * `GET /api/v1/alarms` answers the list with the change id it is current to, so a console can
 * open the stream with `Last-Event-ID: lastChangeId` and miss nothing in between.
 */
export const AlarmListResponse = z.object({ alarms: z.array(Alarm), lastChangeId: z.number().int().min(0) });
export type AlarmListResponse = z.infer<typeof AlarmListResponse>;

export const AlarmIdParams = z.object({ id: z.string().min(1).max(64) });

export const ResolveBody = z.object({ note: z.string().trim().min(1, 'a note is required').max(2000) });
export type ResolveBody = z.infer<typeof ResolveBody>;

export const ErrorBody = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Role = z.enum(['staff', 'callcentre', 'firedept', 'admin', 'gateway']);
export type Role = z.infer<typeof Role>;

export { AlarmStatus, Id };
