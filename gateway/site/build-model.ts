import { type SiteFile, deviceAddress } from '../../contract/index.ts';
import type { PlacedRoom, ProfileFacts, SiteModel, WatchedDevice } from './model.ts';

export type { ProfileFacts };

/**
 * Resolves a validated site file into the lookup tables the gateway and its rules use.
 * Returns `path: message` problems the schema cannot see (unknown profiles).
 */
export function buildSiteModel(
  file: SiteFile,
  profileOf: (id: string) => ProfileFacts | undefined,
): { ok: true; site: SiteModel } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const rooms = new Map<string, PlacedRoom>();
  for (const b of file.buildings) {
    for (const f of b.floors) {
      for (const r of f.rooms) {
        rooms.set(r.id, { ...r, buildingId: b.id, floorId: f.id, level: f.level, zone: r.zone ?? `${b.id}.${f.id}` });
      }
    }
  }
  const residents = new Map(file.residents.map((r) => [r.id, r]));
  const devices = new Map<string, WatchedDevice>();
  const byAddress = new Map<string, WatchedDevice>();
  file.devices.forEach((d, i) => {
    const profile = profileOf(d.profile);
    if (!profile) {
      errors.push(`devices.${i}.profile: unknown profile "${d.profile}"`);
      return;
    }
    const roomId = d.roomId ?? (d.residentId ? residents.get(d.residentId)?.roomId : undefined);
    const watched: WatchedDevice = {
      id: d.id,
      profileId: d.profile,
      profile,
      device: d,
      ...(roomId ? { roomId } : {}),
      ...(d.residentId ? { residentId: d.residentId } : {}),
      ...(roomId && rooms.get(roomId) ? { zone: rooms.get(roomId)!.zone } : {}),
      reportIntervalSec: d.reportIntervalSec ?? profile.reportIntervalSec,
    };
    devices.set(d.id, watched);
    const address = deviceAddress(d);
    if (address) byAddress.set(address, watched);
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, site: { id: file.site.id, file, rules: file.rules, rooms, residents, devices, byAddress } };
}
