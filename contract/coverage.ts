import { z } from 'zod';
import { DeviceId, Id, RoomId, SiteId } from './ids.ts';
import { RoomType } from './room-type.ts';

/**
 * The fire department's coverage audit (issue 19): every room a resident sleeps or spends the day
 * in needs a working independent detector and a simple sprinkler, checked room by room.
 */
export const CoverageKind = z.enum(['smoke_detector', 'heat_detector', 'sprinkler']);
export type CoverageKind = z.infer<typeof CoverageKind>;

/** The device profiles (site file `devices[].profile`) that satisfy each kind. */
export const COVERAGE_KIND_PROFILES: Readonly<Record<CoverageKind, readonly string[]>> = {
  smoke_detector: ['smoke-detector'],
  heat_detector: ['heat-detector'],
  // A simple sprinkler is proven by its flow switch; a head with its own supervision counts too.
  sprinkler: ['sprinkler-flow-switch', 'sprinkler-head'],
};

/** Profiles of fire devices: the fire department may see their status and readings. */
export const FIRE_PROFILES: ReadonlySet<string> = new Set(Object.values(COVERAGE_KIND_PROFILES).flat());

/** Kinds whose devices test themselves (a `test` report, recorded as `fire.test`): an untested one is a gap. */
export const SELF_TESTED_KINDS: ReadonlySet<CoverageKind> = new Set(['smoke_detector', 'heat_detector']);

/**
 * Default requirements per room type. GB 50016-2014 (2018 ed.) 8.3.4 and 8.4.1: eldercare
 * facilities (老年人照料设施) get automatic sprinklers and fire alarm systems; rooms where residents
 * sleep or gather get a smoke detector and a sprinkler. GB 50116-2013 5.2.5: kitchens, where smoke
 * and steam are normal, take heat detectors. Corridors are the escape route: a smoke detector.
 */
export const DEFAULT_COVERAGE_RULES: Readonly<Partial<Record<RoomType, readonly CoverageKind[]>>> = {
  bedroom: ['smoke_detector', 'sprinkler'],
  activity: ['smoke_detector', 'sprinkler'],
  kitchen: ['heat_detector'],
  corridor: ['smoke_detector'],
};

/** A site's overrides (site file `coverage`): the room types it names replace the defaults' lists. */
export const CoverageSettings = z.object({
  rules: z.partialRecord(RoomType, z.array(CoverageKind)).default({}),
  /** GB 25201-2010 asks monthly checks of detectors: a test older than this is a gap. */
  testWithinDays: z.number().int().min(1).max(365).default(30),
});
export type CoverageSettings = z.infer<typeof CoverageSettings>;

export const GapReason = z.enum(['missing', 'never_seen', 'offline', 'battery_low', 'tamper', 'fault', 'never_tested', 'not_tested_recently']);
export type GapReason = z.infer<typeof GapReason>;

export const CoverageDevice = z.object({
  deviceId: DeviceId,
  profile: z.string(),
  online: z.boolean().nullable(),
  battery: z.number().nullable(),
  batteryLow: z.boolean(),
  tamper: z.boolean(),
  fault: z.boolean(),
  lastSeen: z.string().nullable(),
  lastSelfTest: z.string().nullable(),
  daysSinceSeen: z.number().int().nullable(),
  daysSinceTest: z.number().int().nullable(),
  /** Why this device does not cover its room (empty: it does). */
  reasons: z.array(GapReason),
});
export type CoverageDevice = z.infer<typeof CoverageDevice>;

export const CoverageItem = z.object({
  buildingName: z.string(),
  floorName: z.string(),
  roomId: RoomId,
  roomName: z.string(),
  roomType: RoomType,
  kind: CoverageKind,
  covered: z.boolean(),
  /** Empty when covered; `missing` when no device of the kind is there; else its devices' reasons. */
  reasons: z.array(GapReason),
  devices: z.array(CoverageDevice),
});
export type CoverageItem = z.infer<typeof CoverageItem>;

export const CoverageReport = z.object({
  siteId: SiteId,
  siteName: z.string(),
  timezone: z.string(),
  regionId: Id.nullable(),
  /** The moment audited (ISO 8601). */
  at: z.string(),
  required: z.number().int().min(0),
  covered: z.number().int().min(0),
  /** covered / required × 100, one decimal; 100 when nothing is required. */
  percent: z.number().min(0).max(100),
  items: z.array(CoverageItem),
  /** Devices heard on the wire that the site does not register. */
  unregisteredSeen: z.array(z.object({ deviceId: z.string(), lastSeen: z.string().nullable() })),
  /** Registered devices never heard by `at`. */
  registeredNeverSeen: z.array(z.object({ deviceId: DeviceId, profile: z.string(), roomId: z.string().nullable() })),
});
export type CoverageReport = z.infer<typeof CoverageReport>;

export const CoverageQuery = z.object({
  at: z.iso.datetime({ offset: true }).optional(),
  lang: z.enum(['zh', 'en']).default('zh'),
});

export const SiteCoverageSummary = z.object({
  siteId: SiteId,
  siteName: z.string(),
  regionId: Id.nullable(),
  required: z.number().int().min(0),
  covered: z.number().int().min(0),
  percent: z.number(),
  gaps: z.number().int().min(0),
});
export type SiteCoverageSummary = z.infer<typeof SiteCoverageSummary>;

/** `GET /api/v1/regions/{id}/coverage`: the sites beneath a node in the caller's scope, worst first. */
export const RegionCoverage = z.object({
  regionId: Id,
  at: z.string(),
  required: z.number().int().min(0),
  covered: z.number().int().min(0),
  percent: z.number(),
  sites: z.array(SiteCoverageSummary),
});
export type RegionCoverage = z.infer<typeof RegionCoverage>;
