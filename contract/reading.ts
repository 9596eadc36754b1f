import { z } from 'zod';
import { DeviceId, SiteId } from './ids.ts';
import { DeviceFields } from './fields.ts';

/** How a reading reached the gateway; metadata only, no rule may branch on it (DESIGN.md). */
export const Transport = z.enum(['mqtt', 'zigbee2mqtt', 'rflink', 'gb26875', 'watch3g', 'platform']);
export type Transport = z.infer<typeof Transport>;

export const ReadingSource = z.object({
  transport: Transport,
  /** The link the reading came through: a bridge name, a serial path, a platform name. */
  link: z.string().max(200).optional(),
});
export type ReadingSource = z.infer<typeof ReadingSource>;

const ReadingBase = z.object({
  siteId: SiteId,
  deviceId: DeviceId,
  /** Device time (epoch ms); the gateway's receive time when the device sent none. */
  ts: z.number().int(),
  /** Gateway receive time (epoch ms). */
  receivedAt: z.number().int(),
  /** The device's own sequence number, when it sends one. */
  seq: z.number().int().min(0).optional(),
  source: ReadingSource,
});

/** One decoded report of one device: the hand-over from codec to stream core. */
export const StateReading = ReadingBase.extend({
  type: z.literal('state'),
  fields: DeviceFields,
});
export type StateReading = z.infer<typeof StateReading>;

export const AvailabilityReading = ReadingBase.extend({
  type: z.literal('availability'),
  online: z.boolean(),
});
export type AvailabilityReading = z.infer<typeof AvailabilityReading>;

export const Reading = z.discriminatedUnion('type', [StateReading, AvailabilityReading]);
export type Reading = z.infer<typeof Reading>;

/**
 * A whole link going up or down (an MQTT bridge, a serial receiver, a platform): one root cause
 * for every device behind it, instead of one `device.offline` per device.
 */
export const LinkStatus = z.object({
  siteId: SiteId.optional(),
  link: z.string().max(200),
  transport: Transport,
  up: z.boolean(),
  ts: z.number().int(),
});
export type LinkStatus = z.infer<typeof LinkStatus>;
