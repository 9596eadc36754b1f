import type { SchedulerLike } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { StateReading } from '../../../contract/index.ts';
import { type ProfileEdits, buildSite, type SiteFixtureInput, stateOf } from './site-fixture.ts';

/**
 * Helpers for the activity and supervision rule tests: virtual time that starts at a real local
 * midnight, marble strings from absolute times, and a one-person home site.
 */

export const SEC = 1000;
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** 2024-01-16 00:00 in Asia/Shanghai (UTC+8): virtual frame f is f ms after that local midnight. */
export const MIDNIGHT_SHANGHAI = Date.UTC(2024, 0, 15, 16, 0);

/**
 * The TestScheduler seen from epoch `base`: `now()` is base + frame, timers are the test
 * scheduler's own (so marbles keep their frames). Rules only ever see a SchedulerLike.
 */
export function clockFrom(ts: TestScheduler, base = MIDNIGHT_SHANGHAI): SchedulerLike {
  return {
    now: () => base + ts.now(),
    schedule: ((work: never, delay?: number, state?: never) => ts.schedule(work, delay, state)) as SchedulerLike['schedule'],
  };
}

/**
 * A marble string with each value at its absolute frame: `[[4 * HOUR, 'a'], [5 * HOUR, 'b']]`.
 * Values sharing a frame are grouped `(ab)`. Every marble character takes a frame, which the
 * helper accounts for, so tests say "at 04:00" instead of counting dashes.
 */
export function timeline(events: ReadonlyArray<readonly [number, string]>): string {
  const byTime = new Map<number, string>();
  for (const [t, c] of [...events].sort((a, b) => a[0] - b[0])) byTime.set(t, (byTime.get(t) ?? '') + c);
  let out = '';
  let frame = 0;
  for (const [t, chars] of byTime) {
    if (t < frame) throw new Error(`timeline: ${chars} at ${t} overlaps the previous value (frame ${frame})`);
    if (t > frame) out += ` ${t - frame}ms `;
    const token = chars.length > 1 ? `(${chars})` : chars;
    out += token;
    frame = t + token.length;
  }
  return out;
}

/** Subscription marble: subscribed at frame 0, unsubscribed at `until`. */
export function subscribedUntil(until: number): string {
  return `^ ${until - 1}ms !`;
}

/** A state reading whose device time is `ts` (events caused by it carry that ts). */
export function reading(deviceId: string, fields: StateReading['fields'], ts = 0, siteId = 'test'): StateReading {
  return stateOf(deviceId, fields, ts, siteId);
}

/**
 * A one-person home (site.kind 'home'): Li lives alone with an entrance door contact, a living-room
 * motion sensor, a bedroom bed sensor and presence/fall radar, a watch and a call button.
 */
export function homeSite(extra: SiteFixtureInput = {}, edits: ProfileEdits = {}) {
  return buildSite({
    site: { id: 'home-li', kind: 'home' },
    buildings: [{
      id: 'flat', name: 'Flat', floors: [{
        id: 'f1', name: 'Floor', level: 3, rooms: [
          { id: 'hall', name: 'Hall', type: 'entrance' },
          { id: 'living', name: 'Living room', type: 'living' },
          { id: 'bedroom', name: 'Bedroom', type: 'bedroom' },
          { id: 'bath', name: 'Bathroom', type: 'bathroom' },
        ],
      }],
    }],
    residents: [{ id: 'li', name: 'Li', roomId: 'bedroom' }],
    devices: [
      { id: 'door-hall', profile: 'door-contact', roomId: 'hall', transport: 'mqtt' },
      { id: 'door-bath', profile: 'door-contact', roomId: 'bath', transport: 'mqtt' },
      { id: 'motion-living', profile: 'motion-sensor', roomId: 'living', transport: 'mqtt' },
      { id: 'bed-li', profile: 'bed-sensor', roomId: 'bedroom', transport: 'mqtt' },
      { id: 'radar-bedroom', profile: 'presence-radar', roomId: 'bedroom', transport: 'mqtt' },
      { id: 'watch-li', profile: 'watch-4g', residentId: 'li', transport: 'watch3g', watchId: '8800000015' },
      { id: 'call-li', profile: 'call-button', roomId: 'bedroom', transport: 'mqtt' },
    ],
    ...extra,
  }, edits);
}
