import { z } from 'zod';
import { IngestRefusalCode } from './api.ts';
import { EventKind, Lane, Severity } from './event.ts';
import { DeviceId, SiteId } from './ids.ts';

/**
 * One event the server refused (issue 15, defect 1): set aside in the gateway's outbox on disk,
 * out of its lane's way, shown on the gateway's local page and offered again when provisioning
 * may have changed.
 */
export const ParkedEvent = z.object({
  id: z.string(),
  siteId: SiteId,
  kind: EventKind,
  severity: Severity,
  lane: Lane,
  subject: z.string(),
  deviceId: DeviceId.optional(),
  /** Device time of the event (epoch ms). */
  ts: z.number().int(),
  /** When the server last refused it (epoch ms). */
  parkedAt: z.number().int(),
  code: IngestRefusalCode,
  reason: z.string(),
  /** How many times the server refused it (re-offers included). */
  refusals: z.number().int().min(1),
});
export type ParkedEvent = z.infer<typeof ParkedEvent>;

/** The parked events, oldest first, at most `PARKED_LISTED` of them, and how many there are in all. */
export const ParkedList = z.object({
  total: z.number().int().min(0),
  events: z.array(ParkedEvent),
});
export type ParkedList = z.infer<typeof ParkedList>;
export const PARKED_LISTED = 100;

export const ForwarderStats = z.object({
  sent: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  failures: z.number().int().min(0),
  /** Events the server refused and the gateway parked, since start. */
  parked: z.number().int().min(0),
  lastError: z.string().nullable(),
  lastSuccessAt: z.number().int().nullable(),
  /** When the server stopped answering (epoch ms), or null while it answers (the local page's banner). */
  unreachableSince: z.number().int().nullable(),
});
export type ForwarderStats = z.infer<typeof ForwarderStats>;

/** One upstream link to a receiving centre (docs/upstream.md): what waits for it and how it fares. */
export const UpstreamLinkStatus = z.object({
  name: z.string(),
  queued: z.number().int().min(0),
  delivered: z.number().int().min(0),
  refused: z.number().int().min(0),
  retries: z.number().int().min(0),
  failovers: z.number().int().min(0),
  lastError: z.string().nullable(),
});
export type UpstreamLinkStatus = z.infer<typeof UpstreamLinkStatus>;

/**
 * Where the gateway delivers its events (issue 22): the server's HTTP ingest (the default), or a
 * durable NATS JetStream stream that the server replicas consume (`--deliver jetstream --nats URL`).
 */
export const DeliveryTarget = z.object({
  via: z.enum(['http', 'jetstream']),
  /** The server's URL, or the NATS servers' URLs. */
  url: z.string(),
});
export type DeliveryTarget = z.infer<typeof DeliveryTarget>;

/** `GET /status.json` on the gateway's own HTTP port (its local page reads the same). */
export const GatewayStatus = z.object({
  gatewayId: z.string(),
  startedAt: z.string(),
  sites: z.number().int().min(0),
  mqttClients: z.number().int().min(0),
  watchConnections: z.number().int().min(0),
  /** Events waiting to be sent, by lane (parked ones not counted). */
  outbox: z.record(Lane, z.number().int().min(0)),
  parked: ParkedList,
  forwarder: ForwarderStats.nullable(),
  /** Receiving centres this gateway reports to (empty without `--upstream`). */
  upstream: z.array(UpstreamLinkStatus),
  server: z.string(),
  /** Where events go: HTTP to `server`, or into JetStream (the server still takes heartbeats over HTTP). */
  delivery: DeliveryTarget,
  /** Serial ports and external bridges running, per site (they follow hot reload). */
  links: z.record(z.string(), z.array(z.string())),
});
export type GatewayStatus = z.infer<typeof GatewayStatus>;
