import { type AvailabilityReading, SiteFile, type SiteFileInput, type StateReading } from '../../../contract/index.ts';
import { getProfile } from '../../../devices/registry.ts';
import { buildSiteModel } from '../../../gateway/site/build-model.ts';
import type { ProfileFacts, SiteModel } from '../../../gateway/site/model.ts';

/**
 * Test sites for the stream core: a compact SiteFile, parsed with the contract's zod schema (so
 * defaults and cross-references are the real ones) and resolved into a SiteModel the way the
 * site loader does. Every top-level key given replaces the default's; `site` merges over it.
 *
 * The default: one building "b1", one floor "f1" (fire zone "b1.f1"), two bedrooms, a kitchen and a corridor;
 * residents Ann (room-101) and Bob (room-102); devices named `{kind}-{place}`.
 */
export type SiteFixtureInput = Partial<Omit<SiteFileInput, 'site'>> & { site?: Partial<SiteFileInput['site']> };

/** Supervision periods the fixture assumes per profile (the registry's are the product's). */
export const FIXTURE_REPORT_INTERVAL_SEC: Record<string, number> = {
  'smoke-detector': 3600,
  'heat-detector': 3600,
  'sprinkler-flow-switch': 3600,
  'call-button': 3600,
  wearable: 600,
  'watch-4g': 600,
  'motion-sensor': 3600,
  'bed-sensor': 3600,
  'door-contact': 3600,
  'water-leak-sensor': 3600,
  'presence-radar': 600,
};

export const DEFAULT_SITE_INPUT: SiteFileInput = {
  site: {
    id: 'test',
    name: 'Test care home',
    kind: 'institution',
    timezone: 'Asia/Shanghai',
    region: { city: 'Shanghai', district: 'Xuhui', street: 'Tianping', community: 'Test' },
  },
  buildings: [{
    id: 'b1',
    name: 'Main',
    floors: [{
      id: 'f1',
      name: 'Ground floor',
      level: 0,
      rooms: [
        { id: 'room-101', name: 'Room 101', type: 'bedroom' },
        { id: 'room-102', name: 'Room 102', type: 'bedroom' },
        { id: 'kitchen', name: 'Kitchen', type: 'kitchen' },
        { id: 'corridor', name: 'Corridor', type: 'corridor' },
      ],
    }],
  }],
  residents: [
    { id: 'ann', name: 'Ann', roomId: 'room-101' },
    { id: 'bob', name: 'Bob', roomId: 'room-102' },
  ],
  devices: [
    { id: 'smoke-kitchen', profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt' },
    { id: 'smoke-corridor', profile: 'smoke-detector', roomId: 'corridor', transport: 'mqtt' },
    { id: 'smoke-101', profile: 'smoke-detector', roomId: 'room-101', transport: 'mqtt' },
    { id: 'heat-kitchen', profile: 'heat-detector', roomId: 'kitchen', transport: 'mqtt' },
    { id: 'flow-f1', profile: 'sprinkler-flow-switch', roomId: 'corridor', transport: 'mqtt' },
    { id: 'leak-kitchen', profile: 'water-leak-sensor', roomId: 'kitchen', transport: 'mqtt' },
    { id: 'call-101', profile: 'call-button', roomId: 'room-101', residentId: 'ann', transport: 'mqtt' },
    { id: 'call-102', profile: 'call-button', roomId: 'room-102', residentId: 'bob', transport: 'mqtt' },
    { id: 'motion-101', profile: 'motion-sensor', roomId: 'room-101', residentId: 'ann', transport: 'mqtt' },
    { id: 'bed-101', profile: 'bed-sensor', roomId: 'room-101', residentId: 'ann', transport: 'mqtt' },
    { id: 'motion-102', profile: 'motion-sensor', roomId: 'room-102', residentId: 'bob', transport: 'mqtt' },
    { id: 'bed-102', profile: 'bed-sensor', roomId: 'room-102', residentId: 'bob', transport: 'mqtt' },
    { id: 'wearable-ann', profile: 'wearable', residentId: 'ann', transport: 'mqtt' },
  ],
};

/**
 * Profile facts changed for one test, by profile id (`{ wearable: { testable: false } }`): how a
 * test shows that editing a profile, and nothing else, changes what the rules do.
 */
export type ProfileEdits = Readonly<Record<string, Partial<ProfileFacts>>>;

export function buildSite(input: SiteFixtureInput = {}, edits: ProfileEdits = {}): SiteModel {
  const { site, ...rest } = input;
  const merged = { ...DEFAULT_SITE_INPUT, ...rest, site: { ...DEFAULT_SITE_INPUT.site, ...site } } as SiteFileInput;
  return siteModelOf(SiteFile.parse(merged), edits);
}

/**
 * Resolves a parsed site file with the gateway's own model builder: the registry's profiles (the
 * product's facts) with the fixture's supervision periods, and any edits over them.
 */
export function siteModelOf(file: SiteFile, edits: ProfileEdits = {}): SiteModel {
  const built = buildSiteModel(file, (id) => {
    const profile = getProfile(id);
    const reportIntervalSec = FIXTURE_REPORT_INTERVAL_SEC[id];
    if (profile === undefined || reportIntervalSec === undefined) return undefined;
    return { ...profile, reportIntervalSec, ...edits[id] };
  });
  if (!built.ok) throw new Error(`bad fixture site: ${built.errors.join('; ')}`);
  return built.site;
}

/** A state reading as the codecs hand it over; `ts` is device time (ms). */
export function stateOf(deviceId: string, fields: StateReading['fields'], ts = 0, siteId = 'test'): StateReading {
  return { type: 'state', siteId, deviceId, ts, receivedAt: ts, source: { transport: 'mqtt' }, fields };
}

export function availabilityOf(deviceId: string, online: boolean, ts = 0, siteId = 'test'): AvailabilityReading {
  return { type: 'availability', siteId, deviceId, ts, receivedAt: ts, source: { transport: 'mqtt' }, online };
}
