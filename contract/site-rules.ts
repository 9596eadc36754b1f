import { z } from 'zod';

/** Local wall-clock time "HH:MM" in the site's time zone. */
export const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" (24 h)');
export const TimeWindow = z.object({ start: ClockTime, end: ClockTime });
export type TimeWindow = z.infer<typeof TimeWindow>;

/**
 * Rule thresholds. A site sets them for all its residents and devices; a resident may override
 * any of them (`residents[].rules`). Defaults are the product's documented defaults (docs/rules.md).
 */
export const FireRules = z.object({
  /** NFPA 72 17.13.2: a water-flow alarm may be retarded to ride out surges, at most 90 s. */
  waterFlowRetardSec: z.number().min(0).max(90).default(10),
  /** Two detectors in one zone, or smoke plus flow, within this window confirm a fire. */
  confirmWindowSec: z.number().min(10).max(3600).default(120),
});

export const CallRules = z.object({
  /** A resident's `cancel` within this window clears the call (recorded as cancelled). */
  cancelWindowSec: z.number().min(0).max(3600).default(120),
});

export const VitalRange = z.object({
  min: z.number().optional(),
  max: z.number().optional(),
  /** Out of range for this long before raising: one bad sample is not an alarm. */
  sustainSec: z.number().min(0).max(3600).default(120),
});

export const WearableRules = z.object({
  heartRate: VitalRange.default({ min: 40, max: 130, sustainSec: 120 }),
  spo2: VitalRange.default({ min: 90, sustainSec: 120 }),
  /** Hours in which a wearable is expected on the wrist. */
  dayHours: TimeWindow.default({ start: '07:00', end: '21:00' }),
  notWornGraceMin: z.number().min(1).max(24 * 60).default(30),
  geofence: z.object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    radiusM: z.number().min(10).max(100_000),
  }).optional(),
});

export const InactivityRules = z.object({
  /**
   * Telecare "no movement" modes: `continuous` raises after `noActivityHours` without activity
   * inside the active period; `windows` raises when a window passes without any activity.
   */
  mode: z.enum(['continuous', 'windows']).default('continuous'),
  activePeriod: TimeWindow.default({ start: '07:00', end: '22:00' }),
  noActivityHours: z.number().min(0.25).max(48).default(4),
  windows: z.array(TimeWindow).default([]),
  /** Night period in which leaving the bed starts the bed-exit timer. */
  night: TimeWindow.default({ start: '22:00', end: '06:00' }),
  bedExitReturnMin: z.number().min(1).max(600).default(30),
  /** Home sites: door opened then no presence for this long means "went out" (suspends no-activity). */
  awayAfterDoorMin: z.number().min(1).max(240).default(10),
  /**
   * Living alone and gone out: `inactivity.not_back` when not home by this local time, the first
   * time it comes after leaving (issue 15: someone marked away was never checked again).
   */
  latestReturn: ClockTime.default('23:00'),
});

export const DeviceRules = z.object({
  /** JGJ/T 484-2019 10.3.1: alarm buttons and wearables tested weekly. */
  untestedDays: z.number().min(1).max(365).default(7),
  /** A device that toggles offline/online this often within the window is reported once, with a count. */
  flapWindowMin: z.number().min(1).max(24 * 60).default(30),
  /** A radar's `maybe_fall` becomes a major fall.detected if no normal movement follows within this. */
  fallVerifySec: z.number().min(5).max(600).default(60),
  /**
   * `device.battery_low` also when a device reports `battery` at or below this (%), for devices that
   * send a level but no `battery_low` flag (docs/rules-activity.md). 15 % leaves weeks of
   * margin on coin-cell sensors before they go silent.
   */
  batteryLowPercent: z.number().min(0).max(100).default(15),
});

/**
 * Flood control: at most one active alarm per (subject, kind); repeats raise its count instead of
 * raising new alarms (ANSI/ISA-18.2: a chattering or repeating alarm is one alarm, not many).
 */
export const FloodRules = z.object({
  /** A momentary alarm (a press, a fall) repeated within this is the same incident: its count grows. */
  repeatFoldSec: z.number().min(1).max(3600).default(300),
  /** A folded repeat is reported, with the grown count, at most this often per alarm. */
  repeatReportSec: z.number().min(0).max(3600).default(30),
});

export const SiteRules = z.object({
  fire: FireRules.default(FireRules.parse({})),
  calls: CallRules.default(CallRules.parse({})),
  wearable: WearableRules.default(WearableRules.parse({})),
  inactivity: InactivityRules.default(InactivityRules.parse({})),
  devices: DeviceRules.default(DeviceRules.parse({})),
  flood: FloodRules.default(FloodRules.parse({})),
});
export type SiteRules = z.infer<typeof SiteRules>;

/**
 * The same settings with every key optional and NO defaults: zod's `.partial()` keeps inner
 * defaults, which would fill a resident's override with product defaults that then mask the
 * site's own values. An override holds only what its file says.
 */
function overridesOf<S extends z.ZodRawShape>(schema: z.ZodObject<S>) {
  const shape = Object.fromEntries(Object.entries(schema.shape).map(([k, v]) => {
    const inner = v instanceof z.ZodDefault ? v.unwrap() : v;
    return [k, (inner as z.ZodType).optional()];
  }));
  return z.object(shape) as unknown as z.ZodObject<{ [K in keyof S]: z.ZodOptional<z.ZodType<z.output<S[K]>>> }>;
}

/** A resident's overrides: any subset of the site's rules, merged over them. */
export const ResidentRules = z.object({
  wearable: overridesOf(WearableRules).optional(),
  inactivity: overridesOf(InactivityRules).optional(),
  calls: overridesOf(CallRules).optional(),
});
export type ResidentRules = z.infer<typeof ResidentRules>;
