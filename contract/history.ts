import { z } from 'zod';
import { GatewayId } from './event.ts';
import { DeviceFields } from './fields.ts';
import type { FieldName } from './fields.ts';
import { DeviceId, ResidentId, RoomId, SiteId } from './ids.ts';

/**
 * History (issue 19): readings and device status kept in a time-series store. The gateway sends
 * its readings on the telemetry lane, bounded (changes plus a periodic sample per device), to
 * `POST /api/v1/ingest/readings`; the server writes them to InfluxDB 1.x or its embedded store.
 * docs/history.md names the measurements, tags and fields for Grafana.
 */

/** A telemetry batch stays small enough that one request never holds the server for long. */
export const MAX_READINGS_BATCH = 2000;

/**
 * Readings (contract `Reading`) of the gateway's sites. Each is checked by itself: one bad reading
 * is refused with its reason, the others are kept (CONTRACT.md "Ingest accepts or refuses each event by itself").
 */
export const ReadingsIngestRequest = z.object({
  gatewayId: GatewayId,
  readings: z.array(z.looseObject({})).min(1).max(MAX_READINGS_BATCH),
});
export type ReadingsIngestRequest = z.infer<typeof ReadingsIngestRequest>;

export const ReadingRefusal = z.object({
  /** Position of the reading in the batch (readings have no id of their own). */
  index: z.number().int().min(0),
  code: z.enum(['invalid', 'site_not_served']),
  reason: z.string(),
});
export type ReadingRefusal = z.infer<typeof ReadingRefusal>;

export const ReadingsIngestResponse = z.object({
  /** Readings written (or already stored: a retry overwrites the same points). */
  accepted: z.number().int().min(0),
  refused: z.array(ReadingRefusal),
});
export type ReadingsIngestResponse = z.infer<typeof ReadingsIngestResponse>;

/** What a history field holds; the store keeps each field with one type (InfluxDB insists). */
export type FieldKind = 'number' | 'boolean' | 'string';

function kindOf(schema: z.ZodType): FieldKind {
  if (schema instanceof z.ZodOptional) return kindOf(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodNumber) return 'number';
  if (schema instanceof z.ZodBoolean) return 'boolean';
  return 'string';
}

/** The kind of every field of the device vocabulary (contract `DeviceFields`). */
export const READING_FIELD_KINDS: Readonly<Record<FieldName, FieldKind>> = Object.fromEntries(
  Object.entries(DeviceFields.shape).map(([name, schema]) => [name, kindOf(schema as z.ZodType)]),
) as Record<FieldName, FieldKind>;

/**
 * Fields of the `device_status` measurement: the state a coverage audit asks about. `seen` is
 * written for every report the device itself sent (its last heartbeat); `self_test` only when the
 * device reported a test (its last self-test).
 */
export const STATUS_FIELD_KINDS = {
  online: 'boolean',
  battery: 'number',
  battery_low: 'boolean',
  tamper: 'boolean',
  fault: 'boolean',
  seen: 'boolean',
  self_test: 'boolean',
} as const satisfies Record<string, FieldKind>;
export type StatusField = keyof typeof STATUS_FIELD_KINDS;

/** Downsampling interval as InfluxDB writes it: `30s`, `5m`, `1h`, `1d`. */
export const Every = z.string().regex(/^[1-9][0-9]{0,5}(s|m|h|d)$/, 'must be a duration such as "30s", "5m", "1h" or "1d"');
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export function everyToMs(every: string): number {
  return Number(every.slice(0, -1)) * UNIT_MS[every.slice(-1) as keyof typeof UNIT_MS];
}

const IsoTime = z.iso.datetime({ offset: true });

export const ReadingsQuery = z.object({
  from: IsoTime,
  to: IsoTime,
  /** Absent: the points as stored (at most `limit` per field). */
  every: Every.optional(),
  /** Comma-separated field names; absent: every field the device has. */
  fields: z.string().regex(/^[a-z_]+(,[a-z_]+)*$/, 'must be field names separated by commas').optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(5000),
  /** The site, when the caller sees two sites holding a device of this id. */
  site: SiteId.optional(),
}).refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] });
export type ReadingsQuery = z.infer<typeof ReadingsQuery>;

export const FieldValue = z.union([z.number(), z.boolean(), z.string()]);
export type FieldValue = z.infer<typeof FieldValue>;

/**
 * One point of a series: as stored, or one bucket (`t` = the bucket's start, aligned to UTC
 * multiples of `every` as InfluxDB's GROUP BY time does). Numbers are averaged (with min, max and
 * count); booleans and strings give the bucket's last value.
 */
export const SeriesPoint = z.object({
  t: z.string(),
  value: FieldValue,
  min: z.number().optional(),
  max: z.number().optional(),
  count: z.number().int().min(1).optional(),
});
export type SeriesPoint = z.infer<typeof SeriesPoint>;

export const ReadingsResponse = z.object({
  siteId: SiteId,
  deviceId: DeviceId,
  from: z.string(),
  to: z.string(),
  every: z.string().nullable(),
  /**
   * What the answer was computed from: `raw`, the points as stored; `1h`, the hourly roll-ups (a
   * range longer than two days with `every` in whole hours; `from` and `to` are then whole hours).
   */
  resolution: z.enum(['raw', '1h']),
  series: z.array(z.object({ field: z.string(), kind: z.enum(['number', 'boolean', 'string']), points: z.array(SeriesPoint), truncated: z.boolean() })),
});
export type ReadingsResponse = z.infer<typeof ReadingsResponse>;

/** A device's status as the history knows it at one moment. Times are ISO 8601, null = never. */
export const DeviceStatusAt = z.object({
  siteId: SiteId,
  deviceId: DeviceId,
  at: z.string(),
  online: z.boolean().nullable(),
  battery: z.number().nullable(),
  batteryLow: z.boolean().nullable(),
  tamper: z.boolean().nullable(),
  fault: z.boolean().nullable(),
  /** The device's last own report at or before `at` (its last heartbeat). */
  lastSeen: z.string().nullable(),
  lastSelfTest: z.string().nullable(),
});
export type DeviceStatusAt = z.infer<typeof DeviceStatusAt>;

export const AtQuery = z.object({ at: IsoTime.optional(), site: SiteId.optional() });

export const TimelineQuery = z.object({ from: IsoTime, to: IsoTime })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 31 * 86_400_000, { message: 'at most 31 days at a time', path: ['to'] });

/** Fields that say what a person did (activity) and how they are (vitals), for a resident's timeline. */
export const ACTIVITY_FIELDS = ['occupancy', 'in_bed', 'contact', 'presence', 'steps', 'action', 'fall_down_status'] as const;
export const VITAL_FIELDS = ['heart_rate', 'spo2'] as const;

export const TimelineEntry = z.object({
  t: z.string(),
  type: z.enum(['activity', 'vital', 'alarm']),
  deviceId: DeviceId.nullable(),
  roomId: RoomId.nullable(),
  /** The field (activity, vital) or the alarm kind. */
  what: z.string(),
  value: FieldValue.nullable(),
  /** Alarms: their id and status now. */
  alarmId: z.string().optional(),
  status: z.string().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const TimelineResponse = z.object({
  siteId: SiteId,
  residentId: ResidentId,
  from: z.string(),
  to: z.string(),
  entries: z.array(TimelineEntry),
  truncated: z.boolean(),
});
export type TimelineResponse = z.infer<typeof TimelineResponse>;
