import { COVERAGE_KIND_PROFILES, SELF_TESTED_KINDS } from '../../../contract/index.ts';
import type { CoverageDevice, CoverageItem, CoverageReport, Device, GapReason, SiteFile } from '../../../contract/index.ts';
import type { StatusSnapshot } from '../history/types.ts';
import { coverageRulesOf } from './coverage-rules.ts';
import type { EffectiveCoverageRules } from './coverage-rules.ts';

const DAY_MS = 86_400_000;

/**
 * The coverage audit of one site at one moment (issue 19), pure: every room × required kind is
 * covered when at least one device of that kind in the room is heard, online, not low on battery,
 * not tampered or faulty, and (detectors) tested within the period. The site document is the one
 * registered now; the devices' status is the history's at `at`.
 */
export function auditSite(site: SiteFile, snapshots: readonly StatusSnapshot[], at: number, regionId: string | null = null): CoverageReport {
  const rules = coverageRulesOf(site);
  const status = new Map(snapshots.map((s) => [s.deviceId, s]));
  const byRoom = new Map<string, Device[]>();
  for (const d of site.devices) if (d.roomId) byRoom.set(d.roomId, [...(byRoom.get(d.roomId) ?? []), d]);
  const items: CoverageItem[] = [];
  for (const building of site.buildings) {
    for (const floor of building.floors) {
      for (const room of floor.rooms) {
        for (const kind of rules.required[room.type] ?? []) {
          const profiles = COVERAGE_KIND_PROFILES[kind];
          const devices = (byRoom.get(room.id) ?? []).filter((d) => profiles.includes(d.profile))
            .map((d) => deviceState(d, status.get(d.id), at, SELF_TESTED_KINDS.has(kind), rules));
          const covered = devices.some((d) => d.reasons.length === 0);
          const reasons: GapReason[] = covered ? [] : devices.length === 0 ? ['missing'] : [...new Set(devices.flatMap((d) => d.reasons))];
          items.push({ buildingName: building.name, floorName: floor.name, roomId: room.id, roomName: room.name, roomType: room.type, kind, covered, reasons, devices });
        }
      }
    }
  }
  const covered = items.filter((i) => i.covered).length;
  const registered = new Set(site.devices.map((d) => d.id));
  return {
    siteId: site.site.id,
    siteName: site.site.name,
    timezone: site.site.timezone,
    regionId,
    at: new Date(at).toISOString(),
    required: items.length,
    covered,
    percent: items.length === 0 ? 100 : Math.round((covered / items.length) * 1000) / 10,
    items,
    unregisteredSeen: snapshots.filter((s) => !registered.has(s.deviceId) && s.lastSeen !== undefined)
      .map((s) => ({ deviceId: s.deviceId, lastSeen: iso(s.lastSeen) }))
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId)),
    registeredNeverSeen: site.devices.filter((d) => status.get(d.id)?.lastSeen === undefined)
      .map((d) => ({ deviceId: d.id, profile: d.profile, roomId: d.roomId ?? null })),
  };
}

function deviceState(device: Device, s: StatusSnapshot | undefined, at: number, selfTested: boolean, rules: EffectiveCoverageRules): CoverageDevice {
  const reasons: GapReason[] = [];
  const battery = s?.battery?.value ?? null;
  const batteryLow = s?.battery_low?.value === true || (battery !== null && battery <= rules.batteryLowPercent);
  if (s?.lastSeen === undefined && s?.online?.value !== true) reasons.push('never_seen');
  else if (s?.online?.value === false) reasons.push('offline');
  if (batteryLow) reasons.push('battery_low');
  if (s?.tamper?.value === true) reasons.push('tamper');
  if (s?.fault?.value === true) reasons.push('fault');
  const daysSinceTest = s?.lastSelfTest === undefined ? null : Math.floor((at - s.lastSelfTest) / DAY_MS);
  if (selfTested) {
    if (daysSinceTest === null) reasons.push('never_tested');
    else if (daysSinceTest >= rules.testWithinDays) reasons.push('not_tested_recently');
  }
  return {
    deviceId: device.id,
    profile: device.profile,
    online: s?.online?.value ?? null,
    battery,
    batteryLow,
    tamper: s?.tamper?.value ?? false,
    fault: s?.fault?.value ?? false,
    lastSeen: iso(s?.lastSeen),
    lastSelfTest: iso(s?.lastSelfTest),
    daysSinceSeen: s?.lastSeen === undefined ? null : Math.floor((at - s.lastSeen) / DAY_MS),
    daysSinceTest,
    reasons,
  };
}

function iso(ts: number | undefined): string | null {
  return ts === undefined ? null : new Date(ts).toISOString();
}
