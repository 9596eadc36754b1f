import { type Observable, type OperatorFunction, type SchedulerLike, defer, merge } from 'rxjs';
import { NONE, emitEach } from '../kit/emit-each.ts';
import type { SiteModel } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { isInWindow, windowOccurrence } from '../kit/local-time.ts';
import type { ResidentIndex } from './resident-sensors.ts';
import { residentDraft } from '../kit/rule-drafts.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';
import type { Activity } from './to-activity.ts';

export interface RaiseOnBedExitOptions {
  site: SiteModel;
  index: ResidentIndex;
  scheduler: SchedulerLike;
  state: RuleStateStore;
  sweep: Observable<unknown>;
}

/** Stored as `bed:{residentId}` while anything is known worth keeping. */
interface BedRecord {
  inBed?: boolean;
  /** Left the bed at night at this time and not back yet. */
  exitAt?: number;
  bedDeviceId?: string;
  open?: boolean;
}

const KEY = 'bed:';

/**
 * `inactivity.bed_exit` (issue 4, and the living-alone watch of issue 11): out of bed during the
 * resident's night window and not back within `bedExitReturnMin` → raise; back in bed → clear.
 * The bed's last state is kept in the store, so a restart neither loses a pending exit nor
 * mistakes the first report after it for a change. A pending exit whose deadline falls after the
 * night ends is dropped at the night's end: getting up at dawn is the day starting, and the
 * day is watched by the no-activity rule.
 */
export function raiseOnBedExit(opts: RaiseOnBedExitOptions): OperatorFunction<Activity, EventDraft> {
  const { site, index, scheduler, state, sweep } = opts;
  const tz = site.file.site.timezone;
  return (activity) => defer(() => {
    const beds = new Map<string, BedRecord>();
    for (const [key, rec] of state.entries<BedRecord>(KEY)) beds.set(key.slice(KEY.length), rec);

    const save = (id: string, rec: BedRecord) => {
      beds.set(id, rec);
      state.set(KEY + id, rec);
    };

    const onActivity = (a: Activity): readonly EventDraft[] => {
      if (a.signal !== 'in_bed' && a.signal !== 'out_of_bed') return NONE;
      const out: EventDraft[] = [];
      for (const id of a.residentIds) {
        const watch = index.residents.get(id);
        if (!watch) continue;
        const rec = beds.get(id) ?? {};
        if (a.signal === 'out_of_bed') {
          const leftNow = rec.inBed === true && isInWindow(a.at, watch.rules.night, tz);
          // A repeated `in_bed: false` (cached state resent) changes nothing.
          if (rec.inBed !== false) save(id, { ...rec, inBed: false, bedDeviceId: a.device.id, ...(leftNow ? { exitAt: a.at } : {}) });
        } else {
          if (rec.open) {
            out.push(residentDraft(site, watch.resident, 'inactivity.bed_exit', 'clear', a.reading.ts, {
              deviceId: a.device.id, roomId: a.device.roomId ?? watch.resident.roomId, source: a.reading.source,
            }));
          }
          if (rec.inBed !== true || rec.exitAt !== undefined || rec.open) save(id, { inBed: true, bedDeviceId: a.device.id });
        }
      }
      return out;
    };

    const onSweep = (): readonly EventDraft[] => {
      const now = scheduler.now();
      const out: EventDraft[] = [];
      for (const [id, rec] of beds) {
        if (rec.exitAt === undefined || rec.open) continue;
        const watch = index.residents.get(id);
        if (!watch) continue;
        const deadline = rec.exitAt + watch.rules.bedExitReturnMin * 60_000;
        const nightEnd = windowOccurrence(rec.exitAt, watch.rules.night, tz).end;
        if (now >= deadline && deadline <= nightEnd) {
          const { exitAt, ...kept } = rec;
          save(id, { ...kept, open: true });
          const bed = rec.bedDeviceId ? site.devices.get(rec.bedDeviceId) : undefined;
          out.push(residentDraft(site, watch.resident, 'inactivity.bed_exit', 'raise', now, {
            ...(bed ? { deviceId: bed.id, roomId: bed.roomId ?? watch.resident.roomId } : {}),
            details: { outOfBedSince: exitAt, bedExitReturnMin: watch.rules.bedExitReturnMin },
          }));
        } else if (now >= nightEnd) {
          const { exitAt: _dropped, ...kept } = rec;
          save(id, kept);
        }
      }
      return out;
    };

    return merge(activity.pipe(emitEach(onActivity)), sweep.pipe(emitEach(onSweep)));
  });
}
