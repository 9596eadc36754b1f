import type { Resident, SiteRules } from '../../../contract/index.ts';
import { rulesFor } from '../kit/resident-rules.ts';
import type { SiteModel, WatchedDevice } from '../../site/model.ts';

/**
 * Which sensors speak for which resident, and the resident's own inactivity settings: resolved
 * once per site so the activity rules look up by id on every reading.
 */

export interface ResidentWatch {
  resident: Resident;
  /** Site rules with the resident's overrides merged over them. */
  rules: InactivityRules;
  /** Living-alone watch (home site or `livesAlone`): going out suspends the no-activity rule. */
  livingAlone: boolean;
  /** Activity-capable devices that speak for this resident. */
  sensors: ReadonlySet<string>;
  /** Door contacts that mean "left home" (entrance doors, else any door of the resident's). */
  homeDoors: ReadonlySet<string>;
}

export interface ResidentIndex {
  /** Only residents with at least one activity-capable sensor are watched. */
  residents: ReadonlyMap<string, ResidentWatch>;
  /** Device id → the watched residents it speaks for. */
  byDevice: ReadonlyMap<string, readonly string[]>;
}

/**
 * A device speaks for a resident when it is theirs (`residentId`), or unassigned and in their
 * room; on a home site every unassigned device is in the resident's home. Indexed by resident
 * and by room first, so a site of 100,000 devices resolves in one pass, not residents × devices.
 */
function devicesSpeakingFor(site: SiteModel, capable: readonly WatchedDevice[]): (r: Resident) => WatchedDevice[] {
  const home = site.file.site.kind === 'home';
  const byResident = new Map<string, WatchedDevice[]>();
  const byRoom = new Map<string, WatchedDevice[]>();
  const unassigned: WatchedDevice[] = [];
  const add = (map: Map<string, WatchedDevice[]>, key: string, d: WatchedDevice) => {
    const list = map.get(key);
    if (list) list.push(d);
    else map.set(key, [d]);
  };
  for (const d of capable) {
    if (d.residentId !== undefined) add(byResident, d.residentId, d);
    else if (home) unassigned.push(d);
    else if (d.roomId !== undefined) add(byRoom, d.roomId, d);
  }
  return (r) => [...(byResident.get(r.id) ?? []), ...(home ? unassigned : byRoom.get(r.roomId) ?? [])];
}

/**
 * A device can show a person moving when its profile names activity signals (issue 4: motion,
 * door, bed, presence, steps — devices/profiles `activitySignals`); a door is a device whose
 * profile counts `contact`.
 */
export function indexResidentSensors(site: SiteModel): ResidentIndex {
  const capable = [...site.devices.values()].filter((d) => d.profile.activitySignals.length > 0);
  const speakingFor = devicesSpeakingFor(site, capable);
  const residents = new Map<string, ResidentWatch>();
  const byDevice = new Map<string, string[]>();
  for (const r of site.residents.values()) {
    const mine = speakingFor(r);
    if (mine.length === 0) continue;
    const doors = mine.filter((d) => d.profile.activitySignals.includes('contact'));
    const entrance = doors.filter((d) => d.roomId !== undefined && site.rooms.get(d.roomId)?.type === 'entrance');
    residents.set(r.id, {
      resident: r,
      rules: inactivityRulesFor(site, r),
      livingAlone: site.file.site.kind === 'home' || r.livesAlone,
      sensors: new Set(mine.map((d) => d.id)),
      homeDoors: new Set((entrance.length > 0 ? entrance : doors).map((d) => d.id)),
    });
    for (const d of mine) {
      const list = byDevice.get(d.id);
      if (list) list.push(r.id);
      else byDevice.set(d.id, [r.id]);
    }
  }
  return { residents, byDevice };
}

export type InactivityRules = SiteRules['inactivity'];

/** The resident's inactivity rules: their overrides merged over the site's. */
export function inactivityRulesFor(site: SiteModel, r: Resident): InactivityRules {
  return rulesFor(site, r.id).inactivity;
}
