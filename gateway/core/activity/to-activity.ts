import { type OperatorFunction, type SchedulerLike, defer } from 'rxjs';
import { NONE, emitEach } from '../kit/emit-each.ts';
import type { FieldName, StateReading } from '../../../contract/index.ts';
import type { WatchedDevice } from '../../site/model.ts';
import type { ResidentIndex } from './resident-sensors.ts';
import type { SiteModel } from '../../site/model.ts';

/**
 * What a report says about a resident moving (issue 4): motion `occupancy: true`, radar
 * `presence: true`, a door contact changing, `in_bed` changing, a wearable's `steps` going up.
 */
export type ActivitySignal = 'motion' | 'presence' | 'steps' | 'door_opened' | 'door_closed' | 'in_bed' | 'out_of_bed';

export interface Activity {
  type: 'activity';
  signal: ActivitySignal;
  /**
   * False for a repeated value: Zigbee2MQTT resends a device's whole cached state with every
   * message (fixtures README §1), so `contact: true` again is no one touching the door.
   */
  changed: boolean;
  /** Someone is inside the home (not a wearable's steps, which go out with the person). */
  indoor: boolean;
  reading: StateReading;
  device: WatchedDevice;
  residentIds: readonly string[];
  /** Scheduler time of arrival: rule clocks run on it, not on device clocks. */
  at: number;
}

/**
 * The activity fields toActivity knows how to read (what each one's change means is below). WHICH
 * fields of a device count is its profile's `activitySignals` (devices/profiles), never a list here:
 * a profile may name only fields of this set (test/gateway/core/activity/profile-activity.test.ts).
 */
export const READABLE_ACTIVITY_FIELDS: readonly FieldName[] = ['occupancy', 'presence', 'contact', 'in_bed', 'steps'];

/** The activity fields the site's devices feed, from their profiles: what watchActivity routes here. */
export function activityFieldsOf(site: SiteModel): FieldName[] {
  const fields = new Set<FieldName>();
  for (const d of site.devices.values()) for (const f of d.profile.activitySignals) fields.add(f);
  return [...fields];
}

/** Which activity fields one sensor's profile names (looked up once per sensor, not per reading). */
interface Feeds {
  occupancy: boolean;
  presence: boolean;
  contact: boolean;
  inBed: boolean;
  steps: boolean;
}

/** One Feeds per profile, shared by its devices (100,000 sensors cost no object each). */
const feedsByProfile = new WeakMap<object, Feeds>();

function feedsOf(device: WatchedDevice): Feeds {
  const known = feedsByProfile.get(device.profile);
  if (known !== undefined) return known;
  const s = device.profile.activitySignals;
  const feeds: Feeds = { occupancy: s.includes('occupancy'), presence: s.includes('presence'), contact: s.includes('contact'), inBed: s.includes('in_bed'), steps: s.includes('steps') };
  feedsByProfile.set(device.profile, feeds);
  return feeds;
}

/** Last door / bed / step values per device: transitions need the previous value. */
interface LastValues {
  contact?: boolean;
  inBed?: boolean;
  steps?: number;
}

/** What a reading of one activity sensor needs, found with one lookup instead of three. */
interface Sensor {
  device: WatchedDevice;
  residentIds: readonly string[];
  feeds: Feeds;
  last?: LastValues;
}

/**
 * Turns state readings of the residents' activity sensors into activity signals (0..n per reading).
 * Previous values live per subscription; after a restart the first report of a door or bed is
 * "not a change" (unknown before), which never invents activity.
 */
export interface ToActivityOptions {
  site: SiteModel;
  index: ResidentIndex;
  scheduler: SchedulerLike;
}

export function toActivity(opts: ToActivityOptions): OperatorFunction<StateReading, Activity> {
  const { site, index, scheduler } = opts;
  return (states) => defer(() => {
    /** Filled on a sensor's first reading (a sensor never heard from costs nothing). */
    const sensors = new Map<string, Sensor>();
    return states.pipe(emitEach((reading) => signalsOf(reading)));

    function sensorOf(deviceId: string): Sensor | undefined {
      const known = sensors.get(deviceId);
      if (known !== undefined) return known;
      const residentIds = index.byDevice.get(deviceId);
      const device = residentIds === undefined ? undefined : site.devices.get(deviceId);
      if (residentIds === undefined || device === undefined) return undefined;
      const sensor: Sensor = { device, residentIds, feeds: feedsOf(device) };
      sensors.set(deviceId, sensor);
      return sensor;
    }

    function signalsOf(reading: StateReading): readonly Activity[] {
      const sensor = sensorOf(reading.deviceId);
      if (sensor === undefined) return NONE;
      const { device, residentIds, feeds } = sensor;
      const f = reading.fields;
      // Only the fields the device's profile names as activity signals count (its `activitySignals`).
      const contact = feeds.contact ? f.contact : undefined;
      const inBed = feeds.inBed ? f.in_bed : undefined;
      const steps = feeds.steps ? f.steps : undefined;
      // Hot path (every reading of every activity sensor): no closure, no array unless a signal.
      let out: Activity[] | undefined;
      const at = scheduler.now();
      let prev = sensor.last;
      if (prev === undefined && (contact !== undefined || inBed !== undefined || steps !== undefined)) {
        prev = {};
        sensor.last = prev;
      }
      if (feeds.occupancy && f.occupancy === true) out = withSignal(out, 'motion', true, true, reading, device, residentIds, at);
      if (feeds.presence && f.presence === true) out = withSignal(out, 'presence', true, true, reading, device, residentIds, at);
      if (contact !== undefined && prev) {
        out = withSignal(out, contact ? 'door_closed' : 'door_opened', prev.contact !== undefined && prev.contact !== contact, true, reading, device, residentIds, at);
        prev.contact = contact;
      }
      if (inBed !== undefined && prev) {
        out = withSignal(out, inBed ? 'in_bed' : 'out_of_bed', prev.inBed !== undefined && prev.inBed !== inBed, true, reading, device, residentIds, at);
        prev.inBed = inBed;
      }
      if (steps !== undefined && prev) {
        // A counter going down is the daily reset, not movement.
        if (prev.steps !== undefined && steps > prev.steps) out = withSignal(out, 'steps', true, false, reading, device, residentIds, at);
        prev.steps = steps;
      }
      return out ?? NONE;
    }
  });
}

/** Appends one signal, making the array on the first (module-level: no closure per reading). */
function withSignal(
  out: Activity[] | undefined, signal: ActivitySignal, changed: boolean, indoor: boolean,
  reading: StateReading, device: WatchedDevice, residentIds: readonly string[], at: number,
): Activity[] {
  const list = out ?? [];
  list.push({ type: 'activity', signal, changed, indoor, reading, device, residentIds, at });
  return list;
}
