import { z } from 'zod';
import { DeviceId, Id, SiteId } from './ids.ts';
import { EventKind, Severity } from './event.ts';

/**
 * One active life-safety alarm as the gateway's local alarm page shows it (issue 15): kept by the
 * gateway from the events its rules raise, keyed as the server keys alarms (site, subject, kind).
 * `silencedAt` is a local silence by night staff on the gateway's page: it stops the page's tone
 * and the local sounders, and is NOT an acknowledgement on the server.
 */
export const LocalAlarm = z.object({
  key: z.string(),
  siteId: SiteId,
  siteName: z.string(),
  /** IANA zone of the site: its times are shown in it. */
  timezone: z.string(),
  kind: EventKind,
  severity: Severity,
  subject: z.string(),
  deviceId: DeviceId.nullable(),
  /** Room name from the site file, when the event names a room. */
  room: z.string().nullable(),
  /** Device time of the first raise (epoch ms). */
  raisedAt: z.number().int(),
  count: z.number().int().min(1),
  /** When staff silenced it on this gateway's page (epoch ms), or null. */
  silencedAt: z.number().int().nullable(),
});
export type LocalAlarm = z.infer<typeof LocalAlarm>;

/** A local sounder (contract/local-sounder.ts) and whether the gateway has set it off. */
export const LocalSounderState = z.object({
  siteId: SiteId,
  id: Id,
  name: z.string(),
  sounding: z.boolean(),
  /** The warning mode sent (`fire`, `emergency`), while sounding. */
  mode: z.string().nullable(),
  /** Since when it sounds, or when it was last stopped (epoch ms); null: never set off. */
  since: z.number().int().nullable(),
  /** The alarm keys that set it off, while sounding. */
  alarms: z.array(z.string()),
  /** The last command that could not be sent, or null. */
  lastError: z.string().nullable(),
});
export type LocalSounderState = z.infer<typeof LocalSounderState>;

/** `GET /local/alarms` and each `event: snapshot` of `GET /local/stream` on the gateway's HTTP port. */
export const LocalAlarmSnapshot = z.object({
  gatewayId: z.string(),
  alarms: z.array(LocalAlarm),
  /** ForwarderStats.unreachableSince (contract/gateway-status.ts): the banner, or null while the server answers. */
  unreachableSince: z.number().int().nullable(),
  /** The zone the banner's time is shown in (the gateway's first site). */
  timezone: z.string(),
  sounders: z.array(LocalSounderState),
  /** The gateway's clock when the snapshot was taken (epoch ms). */
  at: z.number().int(),
});
export type LocalAlarmSnapshot = z.infer<typeof LocalAlarmSnapshot>;

/** `POST /local/alarms/silence`: silence one alarm on this gateway (its key), or all with `all`. */
export const LocalSilenceRequest = z.union([z.object({ key: z.string().min(1).max(400) }), z.object({ all: z.literal(true) })]);
export type LocalSilenceRequest = z.infer<typeof LocalSilenceRequest>;

/** `POST /alarms/session`: the sign-in form's body. */
export const StaffSignIn = z.object({ token: z.string().min(1).max(200) });
