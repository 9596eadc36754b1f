import { type OperatorFunction, type SchedulerLike, defer, filter, map } from 'rxjs';
import type { StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { rulesFor } from '../kit/resident-rules.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';
import { wearerEvent } from './wearer-event.ts';

export type Vital = 'heart_rate' | 'spo2';

export interface VitalOptions {
  site: SiteModel;
  vital: Vital;
  scheduler: SchedulerLike;
  state: RuleStateStore;
}

/** An out-of-range run of one device's vital: since the first bad sample, and whether it has alarmed. */
interface OutOfRange {
  since: number;
  raised: boolean;
}

const KIND = { heart_rate: 'vital.heart_rate', spo2: 'vital.spo2' } as const;
const RANGE = { heart_rate: 'heartRate', spo2: 'spo2' } as const;

/**
 * `vital.heart_rate` / `vital.spo2` when a wearer's samples stay outside their range
 * (`rules.wearable.heartRate|spo2`, the resident's override else the site's) for `sustainSec`:
 * the run starts at the first bad sample and raises on a bad sample at least `sustainSec` later
 * with no good sample between — one bad sample (a loose strap, motion artefact) is never an
 * alarm. Clears on the first sample back in range.
 * Sample-driven, no timers: a watch that stops reporting does not alarm on stale values (its
 * silence is supervision's business). A 0 or a report with `worn: false` is "no measurement"
 * (watches report 0 off the wrist), not a reading.
 */
export function raiseOnVitalOutOfRange(opts: VitalOptions): OperatorFunction<StateReading, EventDraft> {
  const { site, vital, scheduler, state } = opts;
  const kind = KIND[vital];
  const prefix = `vital:${vital}:`;
  return (readings) => defer(() => {
    const runs = new Map(state.entries<OutOfRange>(prefix).map(([k, v]) => [k.slice(prefix.length), v]));
    return readings.pipe(
      map((r): EventDraft | undefined => {
        const value = r.fields[vital];
        if (value === undefined || value === 0 || r.fields.worn === false) return undefined;
        const device = site.devices.get(r.deviceId);
        if (!device) return undefined;
        const range = rulesFor(site, device.residentId).wearable[RANGE[vital]];
        const out = (range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max);
        const run = runs.get(r.deviceId);
        if (!out && !run) return undefined; // the common case: in range, nothing open (no allocation)
        const details = { value, min: range.min ?? null, max: range.max ?? null };
        if (!out) {
          if (!run) return undefined;
          runs.delete(r.deviceId);
          state.delete(prefix + r.deviceId);
          return run.raised ? wearerEvent(device, r, kind, 'clear', 'major', details) : undefined;
        }
        const now = scheduler.now();
        const current = run ?? { since: now, raised: false };
        if (!run) runs.set(r.deviceId, current);
        if (current.raised || now - current.since < range.sustainSec * 1000) {
          if (!run) state.set(prefix + r.deviceId, current);
          return undefined;
        }
        current.raised = true;
        state.set(prefix + r.deviceId, current);
        return wearerEvent(device, r, kind, 'raise', 'major', { ...details, sustainedSec: (now - current.since) / 1000 });
      }),
      filter((d): d is EventDraft => d !== undefined),
    );
  });
}
