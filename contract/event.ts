import { z } from 'zod';
import { DeviceId, Id, ResidentId, RoomId, SiteId } from './ids.ts';
import { ReadingSource } from './reading.ts';

/** CONTRACT.md "Event and alarm kinds". */
export const EventKind = z.enum([
  'fire.smoke', 'fire.heat', 'fire.water_flow', 'fire.confirmed', 'fire.test',
  'call.button',
  'wearable.sos', 'wearable.fall', 'vital.heart_rate', 'vital.spo2', 'wearable.not_worn',
  'wearable.geofence_exit',
  'fall.detected',
  'inactivity.no_activity', 'inactivity.bed_exit',
  'water.leak',
  'device.offline', 'device.battery_low', 'device.tamper', 'device.fault', 'device.untested',
  'device.unregistered',
  'inactivity.not_back',
  'gateway.offline', 'gateway.trouble',
  'link.receiver_down',
]);
export type EventKind = z.infer<typeof EventKind>;

export const Severity = z.enum(['critical', 'major', 'minor', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;

/**
 * Delivery lanes, highest priority first. Life-safety events overtake any backlog
 * (CONTRACT.md "Gateway → server"; GB 26875.1 asks fire alarms at the centre within 10 s).
 */
export const Lane = z.enum(['life_safety', 'alarm', 'telemetry']);
export type Lane = z.infer<typeof Lane>;
export const LANE_PRIORITY: readonly Lane[] = Lane.options;

/** raise: the condition began (or repeats); clear: it ended; record: a fact with no condition (a self-test). */
export const EventAction = z.enum(['raise', 'clear', 'record']);
export type EventAction = z.infer<typeof EventAction>;

export const Event = z.object({
  /** Stable id: the same event retried is the same id, and the server keeps each id once. */
  id: z.string().min(8).max(64).regex(/^[A-Za-z0-9_.:-]+$/),
  siteId: SiteId,
  kind: EventKind,
  action: EventAction,
  severity: Severity,
  lane: Lane,
  /**
   * What the condition is about, the "source" of the alarm key (site, source, kind):
   * `device:{id}`, `resident:{id}`, `zone:{id}` or `link:{name}`.
   */
  subject: z.string().min(3).max(140),
  deviceId: DeviceId.optional(),
  residentId: ResidentId.optional(),
  roomId: RoomId.optional(),
  /** Device time of the reading that caused the event (epoch ms). */
  ts: z.number().int(),
  /** When the gateway created the event (epoch ms). */
  createdAt: z.number().int(),
  /** Per-subject sequence assigned by the gateway; orders events of one subject. */
  seq: z.number().int().min(0),
  /** Repeats folded into this event by flood control. */
  count: z.number().int().min(1).default(1),
  source: ReadingSource.optional(),
  details: z.record(z.string(), z.union([z.string().max(500), z.number(), z.boolean(), z.null()])).optional(),
});
export type Event = z.infer<typeof Event>;
export type EventInput = z.input<typeof Event>;

export const GatewayId = Id.describe('gateway id');

/**
 * Default severity per kind. Fire, calls, SOS and falls are critical: a life may depend on the
 * minute. Rules may choose another (a radar's unconfirmed "maybe" fall is `major`).
 */
export const DEFAULT_SEVERITY: Record<EventKind, Severity> = {
  'fire.smoke': 'critical',
  'fire.heat': 'critical',
  'fire.water_flow': 'critical',
  'fire.confirmed': 'critical',
  'fire.test': 'info',
  'call.button': 'critical',
  'wearable.sos': 'critical',
  'wearable.fall': 'critical',
  'vital.heart_rate': 'major',
  'vital.spo2': 'major',
  'wearable.not_worn': 'warning',
  'wearable.geofence_exit': 'major',
  'fall.detected': 'critical',
  'inactivity.no_activity': 'major',
  'inactivity.bed_exit': 'major',
  'water.leak': 'major',
  'device.offline': 'minor',
  'device.battery_low': 'warning',
  'device.tamper': 'minor',
  'device.fault': 'minor',
  'device.untested': 'minor',
  // An alarm-bearing message from a device no site registers is still an alarm (CONTRACT.md);
  // a rule that knows what the message carried (a fire panel's fire) raises it critical.
  'device.unregistered': 'major',
  'inactivity.not_back': 'major',
  'gateway.offline': 'major',
  'gateway.trouble': 'major',
  'link.receiver_down': 'major',
};

/** Critical events travel the life-safety lane; facts with no condition (self-tests) ride with telemetry. */
export function laneFor(severity: Severity, action: EventAction): Lane {
  if (action === 'record') return 'telemetry';
  return severity === 'critical' ? 'life_safety' : 'alarm';
}
