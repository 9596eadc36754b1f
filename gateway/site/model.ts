import type { Device, Resident, Room, SiteFile, SiteRules } from '../../contract/index.ts';
import type { DeviceProfile } from '../../devices/registry.ts';

/**
 * What the gateway reads of a device's profile (devices/profiles): the single source of what a
 * device feeds — its fields (which rules run), what counts as activity, whether it is tested weekly.
 */
export type ProfileFacts = Pick<DeviceProfile, 'reportIntervalSec' | 'fields' | 'testable' | 'activitySignals'>;

/** A room with where it is: its floor and its fire zone (room's own, else the floor's). */
export interface PlacedRoom extends Room {
  buildingId: string;
  floorId: string;
  level: number;
  zone: string;
}

/** A device as the stream core watches it: the site file's entry resolved against its profile. */
export interface WatchedDevice {
  id: string;
  profileId: string;
  /** The profile's facts (shared, not copied): rules read what the device feeds from here, never from lists of their own. */
  profile: ProfileFacts;
  device: Device;
  roomId?: string;
  residentId?: string;
  /** Fire zone for cross-detector confirmation. */
  zone?: string;
  /** Supervision period: the device override, else the profile's. */
  reportIntervalSec: number;
}

/**
 * One site, resolved once when its file is loaded, so rules look things up by id instead of
 * walking the file. Immutable: a changed file builds a new model.
 */
export interface SiteModel {
  id: string;
  file: SiteFile;
  rules: SiteRules;
  rooms: ReadonlyMap<string, PlacedRoom>;
  residents: ReadonlyMap<string, Resident>;
  devices: ReadonlyMap<string, WatchedDevice>;
  /** Transport address (contract `deviceAddress`) → device. */
  byAddress: ReadonlyMap<string, WatchedDevice>;
}
