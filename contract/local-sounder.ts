import { z } from 'zod';
import { Id, RoomId } from './ids.ts';

/**
 * A local sounder a site file names (`sounders:`): a siren the gateway itself sets off for a
 * critical alarm while the server cannot be reached (issue 15, "Local alarm page at the gateway"),
 * and stops when the alarm clears or staff silence it on the gateway's local page.
 *
 * Today one kind: a Zigbee siren behind Zigbee2MQTT, driven by its `warning` composite —
 * `{ "warning": { "mode", "level", "strobe", "duration" } }` published to
 * `{baseTopic}/{friendly_name}/set`. Fields and values as Zigbee2MQTT exposes them (zigbee2mqtt.io
 * device pages, "Warning (composite)", e.g. /devices/ZR1-EN.html) and as
 * zigbee-herdsman-converters' `toZigbee.warning` reads them (src/converters/toZigbee.ts):
 * mode stop|burglar|fire|emergency|police_panic|fire_panic|emergency_panic (default emergency),
 * level low|medium|high|very_high (default medium), strobe bool (default true), duration in
 * seconds (default 10; the ZCL IAS WD StartWarning's 16-bit WarningDuration). Some sirens cap the
 * duration (HEIMAN HS2WD-E: 1800 s; Develco SIRZB-110: its `max_duration`, 900 s by default), so
 * the gateway renews the warning before it runs out.
 */
export const SounderLevel = z.enum(['low', 'medium', 'high', 'very_high']);

export const LocalSounder = z.object({
  id: Id,
  name: z.string().min(1).max(100).optional(),
  kind: z.literal('zigbee2mqtt').default('zigbee2mqtt'),
  /** The siren's Zigbee2MQTT friendly name. */
  friendlyName: z.string().min(1).max(200).regex(/^[^#+]+$/, 'must not contain MQTT wildcards'),
  /** The site file's `bridges[].name` it is behind; the first bridge when absent. */
  bridge: z.string().max(32).optional(),
  roomId: RoomId.optional(),
  /** Which alarms set it off (while the server is unreachable): any critical alarm, or fire alarms only. */
  on: z.enum(['critical', 'fire']).default('critical'),
  level: SounderLevel.default('very_high'),
  strobe: z.boolean().default(true),
  /** Seconds per warning command; renewed at 80 % of it while the alarm lasts. */
  durationSec: z.number().int().min(10).max(65535).default(600),
});
export type LocalSounder = z.infer<typeof LocalSounder>;

/** The `warning` command as Zigbee2MQTT takes it on `{baseTopic}/{friendly_name}/set`. */
export const SirenWarningCommand = z.object({
  warning: z.object({
    mode: z.enum(['stop', 'burglar', 'fire', 'emergency', 'police_panic', 'fire_panic', 'emergency_panic']),
    level: SounderLevel,
    strobe: z.boolean(),
    duration: z.number().int().min(0).max(65535),
  }),
});
export type SirenWarningCommand = z.infer<typeof SirenWarningCommand>;
