import type { DeviceFields, Reading } from '../../contract/index.ts';
import { utcOffsetMs } from '../core/kit/local-time.ts';
import type { Located } from '../site/site-registry.ts';

/**
 * How far a watch's own clock is believed. Watches buffer reports while out of coverage and send
 * them later (a week back is kept), but a watch that has not yet had network time reports dates
 * like 2000-01-01 or its factory date: outside the window the gateway's receive time is used.
 */
export const DEVICE_TIME_PAST_MS = 7 * 86_400_000;
export const DEVICE_TIME_FUTURE_MS = 10 * 60_000;

export function plausibleDeviceTime(ts: number | undefined, receivedAt: number): number {
  if (ts === undefined) return receivedAt;
  return ts >= receivedAt - DEVICE_TIME_PAST_MS && ts <= receivedAt + DEVICE_TIME_FUTURE_MS ? ts : receivedAt;
}

/** The zone a watch of this site is set to (the protocols carry none): the site's, at `at`. */
export function siteTzOffsetMinutes(located: Located, at: number): number {
  return Math.round(utcOffsetMs(at, located.runtime.site.file.site.timezone) / 60_000);
}

/**
 * One watch message as a reading. Every message proves the watch alive (the supervision rule
 * counts any reading but an `offline`), so a message with no field we keep — a bare `LK`
 * keep-alive, a voice message, a heart rate of 0 — becomes an `availability: online` reading
 * rather than an empty state.
 */
export function watchReading(
  located: Located,
  report: { fields: DeviceFields; ts?: number },
  receivedAt: number,
): Reading {
  const base = {
    siteId: located.runtime.site.id,
    deviceId: located.device.id,
    receivedAt,
    source: { transport: 'watch3g' as const, link: `watch:${located.device.device.watchId ?? located.device.id}` },
  };
  if (Object.keys(report.fields).length === 0) return { ...base, type: 'availability', ts: receivedAt, online: true };
  return { ...base, type: 'state', ts: plausibleDeviceTime(report.ts, receivedAt), fields: report.fields };
}
