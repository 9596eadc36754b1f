import { z } from 'zod';

/**
 * The field vocabulary of device state (CONTRACT.md "Field vocabulary"): Zigbee2MQTT's names
 * wherever Zigbee2MQTT has one. Every field is optional: a report carries any subset, and a
 * missing key means "unknown", never false.
 */
export const CallAction = z.enum(['single', 'double', 'hold', 'emergency', 'cancel']);
export type CallAction = z.infer<typeof CallAction>;

export const FallDownStatus = z.enum(['none', 'maybe_fall', 'fall']);
export type FallDownStatus = z.infer<typeof FallDownStatus>;

export const DeviceFields = z.object({
  // fire
  smoke: z.boolean(),
  heat: z.boolean(),
  temperature: z.number().min(-60).max(1000),
  test: z.boolean(),
  water_flow: z.boolean(),
  pressure: z.number().min(0).max(100_000),
  valve: z.enum(['open', 'closed']),
  // calls
  action: CallAction,
  // wearables
  sos: z.boolean(),
  fall: z.boolean(),
  heart_rate: z.number().min(0).max(300),
  spo2: z.number().min(0).max(100),
  steps: z.number().int().min(0),
  worn: z.boolean(),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  // activity
  occupancy: z.boolean(),
  in_bed: z.boolean(),
  contact: z.boolean(),
  water_leak: z.boolean(),
  presence: z.boolean(),
  fall_down_status: FallDownStatus,
  // common
  battery: z.number().min(0).max(100),
  battery_low: z.boolean(),
  tamper: z.boolean(),
  fault: z.boolean(),
}).partial().strict();
export type DeviceFields = z.infer<typeof DeviceFields>;
export type FieldName = keyof DeviceFields;
export const FIELD_NAMES = Object.keys(DeviceFields.shape) as FieldName[];

/** Time on the wire: ISO 8601 with an offset, or epoch milliseconds (CONTRACT.md, native state). */
export const WireTime = z.union([
  z.iso.datetime({ offset: true }),
  z.number().int().min(0).max(8_640_000_000_000_000),
]);

/** A native `carewatch/{site}/devices/{id}/state` payload: fields plus optional `ts` and `seq`. */
export const NativeStatePayload = DeviceFields.extend({
  ts: WireTime,
  seq: z.number().int().min(0),
  linkquality: z.number(), // ignored, as in Zigbee2MQTT
}).partial().strict();
export type NativeStatePayload = z.infer<typeof NativeStatePayload>;

export const Availability = z.enum(['online', 'offline']);
export type Availability = z.infer<typeof Availability>;

export function wireTimeToMs(ts: z.infer<typeof WireTime>): number {
  return typeof ts === 'number' ? ts : Date.parse(ts);
}
