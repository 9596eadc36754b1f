import { type OperatorFunction, type SchedulerLike, type Subscription, Subject, defer, finalize, merge } from 'rxjs';
import type { StateReading } from '../../../contract/index.ts';
import type { SiteModel, WatchedDevice } from '../../site/model.ts';
import { NONE, emitEach } from '../kit/emit-each.ts';
import { type EventDraft, deviceEvent } from '../kit/event-draft.ts';
import { deviceDraft } from '../kit/rule-drafts.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

export interface VerifyRadarFallOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
}

/** Stored as `fall:{deviceId}` while a fall is pending or open. */
interface FallRecord {
  /** A `maybe_fall` is being verified until this time. */
  pendingUntil?: number;
  /** Open alarm and its severity. */
  open?: 'critical' | 'major';
  /** The radar has reported `none` since the alarm opened. */
  noneSeen?: boolean;
}

const KEY = 'fall:';

/**
 * `fall.detected` from fall radars (issue 4):
 * - `fall` → critical at once;
 * - `maybe_fall` → verified for `fallVerifySec`; raised `major` unless normal movement follows:
 *   the radar itself reporting `none` while it sees someone (`presence: true`), motion
 *   (`occupancy: true`) from another sensor in the room, or the room's bed reporting `in_bed: true`.
 *   A `none` without presence is the radar losing sight (a person on the floor behind furniture)
 *   and proves nothing.
 * - clear once the radar reports `none` and someone is seen moving again (its own presence, or
 *   motion / bed in the room).
 * The verification timer is one scheduled action per radar with a pending `maybe_fall` — rare, so
 * no sweep is needed and the major alarm is on time; its deadline is stored and rescheduled after a restart.
 */
export function verifyRadarFall(opts: VerifyRadarFallOptions): OperatorFunction<StateReading, EventDraft> {
  const { site, scheduler, state } = opts;
  const radarsByRoom = new Map<string, WatchedDevice[]>();
  for (const d of site.devices.values()) {
    if (!d.profile.fields.includes('fall_down_status') || d.roomId === undefined) continue; // fall radars, by profile
    radarsByRoom.set(d.roomId, [...(radarsByRoom.get(d.roomId) ?? []), d]);
  }

  return (states) => defer(() => {
    const falls = new Map<string, FallRecord>();
    const timers = new Map<string, Subscription>();
    const expired = new Subject<string>();

    const save = (id: string, rec: FallRecord) => {
      if (rec.pendingUntil === undefined && rec.open === undefined) {
        falls.delete(id);
        state.delete(KEY + id);
      } else {
        falls.set(id, rec);
        state.set(KEY + id, rec);
      }
    };
    const arm = (id: string, until: number) => {
      timers.get(id)?.unsubscribe();
      timers.set(id, scheduler.schedule(() => expired.next(id), Math.max(0, until - scheduler.now())));
    };
    const disarm = (id: string) => {
      timers.get(id)?.unsubscribe();
      timers.delete(id);
    };

    for (const [key, rec] of state.entries<FallRecord>(KEY)) {
      const id = key.slice(KEY.length);
      falls.set(id, rec);
      if (rec.pendingUntil !== undefined) arm(id, rec.pendingUntil);
    }

    const onRadar = (device: WatchedDevice, r: StateReading): readonly EventDraft[] => {
      const rec = falls.get(device.id) ?? {};
      const status = r.fields.fall_down_status;
      const seen = r.fields.presence === true;
      if (status === 'fall') {
        disarm(device.id);
        if (rec.open === 'critical') return NONE;
        save(device.id, { open: 'critical' });
        return [deviceEvent(device, r, 'fall.detected', 'raise', 'critical', { status: 'fall' })];
      }
      if (status === 'maybe_fall') {
        if (rec.open !== undefined) {
          if (rec.noneSeen) save(device.id, { open: rec.open });
          return NONE;
        }
        if (rec.pendingUntil !== undefined) return NONE;
        const until = scheduler.now() + site.rules.devices.fallVerifySec * 1000;
        save(device.id, { pendingUntil: until });
        arm(device.id, until);
        return NONE;
      }
      if (status === 'none' && rec.pendingUntil !== undefined && seen) {
        disarm(device.id);
        save(device.id, {});
        return NONE;
      }
      if (rec.open !== undefined && (status === 'none' || rec.noneSeen)) {
        if (seen) return [clear(device, r, 'presence')];
        if (!rec.noneSeen) save(device.id, { ...rec, noneSeen: true });
      }
      return NONE;
    };

    /** Normal movement seen by another sensor in the room. */
    const onMovement = (mover: WatchedDevice, r: StateReading): readonly EventDraft[] => {
      const out: EventDraft[] = [];
      for (const radar of radarsByRoom.get(mover.roomId ?? '') ?? []) {
        if (radar.id === mover.id) continue;
        const rec = falls.get(radar.id);
        if (rec?.pendingUntil !== undefined) {
          disarm(radar.id);
          save(radar.id, {});
        } else if (rec?.open !== undefined && rec.noneSeen) {
          out.push(clear(radar, r, mover.id));
        }
      }
      return out;
    };

    const clear = (radar: WatchedDevice, r: StateReading, by: string): EventDraft => {
      save(radar.id, {});
      return { ...deviceDraft(site, radar, 'fall.detected', 'clear', r.ts, { details: { movementBy: by } }), source: r.source };
    };

    const onReading = (r: StateReading): readonly EventDraft[] => {
      // Hot path (every report of the site): decide from the report before any per-device lookup.
      const f = r.fields;
      const fromRadar = f.fall_down_status !== undefined || (falls.size > 0 && falls.has(r.deviceId));
      const movement = radarsByRoom.size > 0 && (f.occupancy === true || f.in_bed === true);
      if (!fromRadar && !movement) return NONE;
      const device = site.devices.get(r.deviceId);
      if (!device) return NONE;
      const out: EventDraft[] = [];
      if (fromRadar) out.push(...onRadar(device, r));
      if (movement) out.push(...onMovement(device, r));
      return out;
    };

    const onExpired = (id: string): readonly EventDraft[] => {
      timers.delete(id);
      const rec = falls.get(id);
      const device = site.devices.get(id);
      if (rec?.pendingUntil === undefined || !device) return NONE;
      save(id, { open: 'major' });
      return [deviceDraft(site, device, 'fall.detected', 'raise', scheduler.now(), {
        severity: 'major', details: { status: 'maybe_fall', verifiedSec: site.rules.devices.fallVerifySec },
      })];
    };

    return merge(states.pipe(emitEach(onReading)), expired.pipe(emitEach(onExpired))).pipe(
      finalize(() => {
        for (const t of timers.values()) t.unsubscribe();
        timers.clear();
      }),
    );
  });
}
