import type { FieldValue } from '../../../contract/index.ts';
import type { StatusPoint, StatusSnapshot } from './types.ts';

export const DAY_MS = 86_400_000;
/** Bounds of "all of history" (InfluxDB keeps times from 1677 to 2262 only). */
export const EARLIEST = 0;
export const LATEST = Date.UTC(2200, 0, 1);

/** One device's status: each field's newest value and its time. */
export type DeviceState = Record<string, [FieldValue, number]>;
/** Devices' states by site, then device. */
export type SiteStates = Map<string, Map<string, DeviceState>>;
/** A status point as stored: site, device, field, time, value. */
export type StatusRow = [string, string, string, number, FieldValue];

/**
 * Where a store keeps its daily snapshots. A snapshot stamped at a midnight (UTC) holds every
 * device's status from the points before that midnight; snapshots exist for every midnight from
 * the first day with status to the day after the newest point (so they are consecutive).
 */
export interface SnapshotBackend {
  /** The newest snapshot's midnight at or before `t`, or undefined when there is none. */
  newestSnapshot(t: number): Promise<number | undefined>;
  readSnapshot(midnight: number, sites: readonly string[] | 'all'): Promise<SiteStates>;
  writeSnapshot(midnight: number, states: SiteStates): Promise<void>;
  /** Status points with `from` ≤ time ≤ `to`, in no particular order. */
  statusRows(sites: readonly string[] | 'all', from: number, to: number): Promise<StatusRow[]>;
}

/** Later wins: of two values of a field, the newer; of two at one time, the one merged in last. */
export function mergeState(into: DeviceState, from: DeviceState): void {
  for (const field in from) {
    const v = from[field]!;
    const had = into[field];
    if (!had || v[1] >= had[1]) into[field] = v;
  }
}

function stateOf(states: SiteStates, site: string, device: string): DeviceState {
  let devices = states.get(site);
  if (!devices) states.set(site, devices = new Map());
  let state = devices.get(device);
  if (!state) devices.set(device, state = {});
  return state;
}

function mergeSites(into: SiteStates, from: SiteStates): void {
  for (const [site, devices] of from) for (const [device, state] of devices) mergeState(stateOf(into, site, device), state);
}

/**
 * Daily device-status snapshots (issue 19: coverage of 1,000 sites < 1 s). The status at a past
 * moment is the snapshot of that day's midnight plus the points since, instead of the newest
 * point of every status series over all of history (InfluxDB 1.x answers that slowly: ~1 s a field
 * for 6,000 series). Written status is kept here, merged by day, site and device, and folded into
 * the stored snapshots by `flush()`: before every `statusAt`, and by the store's periodic job.
 * Merging is "newer wins" per field, so folding is idempotent and order does not matter: a late
 * point (a gateway's backlog) is folded into its day's snapshot and carried into every later one.
 */
export class StatusSnapshots {
  /** Written status not yet folded into the snapshots, by day (epoch ms / DAY_MS). */
  private pending = new Map<number, SiteStates>();
  private running: Promise<void> = Promise.resolve();
  /** Whether the points a crash may have left unfolded were read back (see recover). */
  private recovered = false;
  private recovery: Promise<void> | undefined;

  constructor(private readonly backend: SnapshotBackend) {}

  /** Takes note of written status points (call after the write succeeded). */
  note(points: readonly StatusPoint[]): void {
    for (const p of points) {
      for (const field in p.fields) {
        const value = (p.fields as Record<string, FieldValue | undefined>)[field];
        if (value !== undefined) this.noteOne(p.siteId, p.deviceId, field, value, p.ts);
      }
    }
  }

  private noteOne(site: string, device: string, field: string, value: FieldValue, ts: number): void {
    const day = Math.floor(ts / DAY_MS);
    let states = this.pending.get(day);
    if (!states) this.pending.set(day, states = new Map());
    const state = stateOf(states, site, device);
    const had = state[field];
    if (!had || ts >= had[1]) state[field] = [value, ts];
  }

  /**
   * Reads back what a crash may have left noted but not folded: the points of the newest snapshot's
   * last day and after (everything, when a store with history but no snapshots opens). The store
   * calls it on opening, before its first write; the first flush waits for it (and retries it).
   */
  recover(): Promise<void> {
    this.recovery ??= this.readBack().then(() => { this.recovered = true; }, (error: unknown) => {
      this.recovery = undefined;
      throw error;
    });
    return this.recovery;
  }

  private async readBack(): Promise<void> {
    const newest = await this.backend.newestSnapshot(LATEST);
    const rows = await this.backend.statusRows('all', newest === undefined ? EARLIEST : newest - DAY_MS, LATEST);
    for (const [site, device, field, ts, value] of rows) this.noteOne(site, device, field, value, ts);
  }

  /** Folds everything noted so far into the stored snapshots; one fold at a time. */
  flush(): Promise<void> {
    const next = this.running.then(() => this.fold());
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Each device's status at `at`: the snapshot of that day's midnight plus the points since. */
  async statusAt(sites: readonly string[] | 'all', at: number): Promise<StatusSnapshot[]> {
    if (sites !== 'all' && sites.length === 0) return [];
    await this.flush();
    const midnight = Math.floor(at / DAY_MS) * DAY_MS;
    const snap = await this.backend.newestSnapshot(midnight);
    // No snapshot at or before this midnight: nothing was written before it.
    const states = snap === undefined ? new Map() as SiteStates : await this.backend.readSnapshot(snap, sites);
    const since: SiteStates = new Map();
    for (const [site, device, field, ts, value] of await this.backend.statusRows(sites, snap ?? midnight, at)) {
      const state = stateOf(since, site, device);
      const had = state[field];
      if (!had || ts >= had[1]) state[field] = [value, ts];
    }
    mergeSites(states, since);
    const wanted = sites === 'all' ? undefined : new Set(sites);
    const out: StatusSnapshot[] = [];
    for (const [siteId, devices] of states) {
      if (wanted && !wanted.has(siteId)) continue;
      for (const [deviceId, state] of devices) out.push(toSnapshot(siteId, deviceId, state));
    }
    return out;
  }

  private async fold(): Promise<void> {
    if (!this.recovered) await this.recover();
    if (this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    try {
      const days = [...pending.keys()].sort((a, b) => a - b);
      const first = days[0]!;
      const last = days[days.length - 1]!;
      const newest = await this.backend.newestSnapshot(LATEST);
      // Snapshots run to the midnight after the newest point; a new last day carries every site forward.
      const end = Math.max(newest ?? 0, (last + 1) * DAY_MS);
      const touched = new Set<string>();
      for (const states of pending.values()) for (const site of states.keys()) touched.add(site);
      const before = await this.backend.newestSnapshot(first * DAY_MS);
      const carry = before === undefined ? new Map() as SiteStates : await this.backend.readSnapshot(before, [...touched]);
      let carriesAll = newest === undefined;
      for (let midnight = (first + 1) * DAY_MS; midnight <= end; midnight += DAY_MS) {
        // Past the old newest snapshot every site is carried, not just the touched ones.
        if (!carriesAll && midnight > newest!) {
          mergeSites(carry, await this.backend.readSnapshot(newest!, 'all'));
          carriesAll = true;
        }
        const stored = newest !== undefined && midnight <= newest ? await this.backend.readSnapshot(midnight, [...touched]) : new Map() as SiteStates;
        mergeSites(carry, stored);
        const day = pending.get(midnight / DAY_MS - 1);
        if (day) mergeSites(carry, day);
        await this.backend.writeSnapshot(midnight, carry);
      }
    } catch (error) {
      // Not folded: keep it for the next flush (newer notes merged over it).
      for (const [day, states] of pending) {
        const now = this.pending.get(day);
        if (now) mergeSites(states, now);
        this.pending.set(day, states);
      }
      throw error;
    }
  }
}

/** A device's stored state as the store interface's StatusSnapshot. */
export function toSnapshot(siteId: string, deviceId: string, state: DeviceState): StatusSnapshot {
  const snap: StatusSnapshot = { siteId, deviceId };
  for (const field in state) {
    const [value, ts] = state[field]!;
    switch (field) {
      case 'seen': snap.lastSeen = ts; break;
      case 'self_test': snap.lastSelfTest = ts; break;
      case 'battery': snap.battery = { value: Number(value), ts }; break;
      case 'online': case 'battery_low': case 'tamper': case 'fault':
        snap[field] = { value: Boolean(value), ts };
        break;
      default: break; // a field this version does not know: ignored, not guessed at
    }
  }
  return snap;
}
