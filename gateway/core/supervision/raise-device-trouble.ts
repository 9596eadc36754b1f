import { type Observable, type OperatorFunction, type SchedulerLike, defer, merge } from 'rxjs';
import { NONE, emitEach } from '../kit/emit-each.ts';
import { DEFAULT_SEVERITY, type DeviceFields, type EventKind, type FieldName, type StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import { type EventDraft, deviceEvent } from '../kit/event-draft.ts';
import { type FoldState, type FoldStep, foldClear, foldIdle, foldRaise, foldSweep, newFold } from './flap-fold.ts';
import { deviceDraft } from '../kit/rule-drafts.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

export type TroubleKind = Extract<EventKind, 'device.battery_low' | 'device.tamper' | 'device.fault'>;

export interface RaiseDeviceTroubleOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
  /** The site's periodic sweep: sends the held restore of a flapping condition. */
  sweep: Observable<unknown>;
}

/**
 * What a report says about each trouble: true = present, false = restored, undefined = it does not
 * say (a missing field is unknown, never false). Battery: the device's own `battery_low` flag, or
 * its level at or under `rules.devices.batteryLowPercent`; low if either says so.
 */
function troubleIn(f: DeviceFields, lowPercent: number): Array<[TroubleKind, boolean]> {
  const out: Array<[TroubleKind, boolean]> = [];
  const byLevel = f.battery === undefined ? undefined : f.battery <= lowPercent;
  const battery = f.battery_low === true || byLevel === true ? true : (f.battery_low ?? byLevel);
  if (battery !== undefined) out.push(['device.battery_low', battery]);
  if (f.tamper !== undefined) out.push(['device.tamper', f.tamper]);
  if (f.fault !== undefined) out.push(['device.fault', f.fault]);
  return out;
}

/** The fields troubleIn reads: a report without any of them says nothing about trouble. */
export const TROUBLE_FIELDS: readonly FieldName[] = ['battery', 'battery_low', 'tamper', 'fault'];

/** Some trouble is present in the report (troubleIn has a `true`), without building its list. */
function anyTroubleIn(f: DeviceFields, lowPercent: number): boolean {
  return f.battery_low === true || (f.battery !== undefined && f.battery <= lowPercent) || f.tamper === true || f.fault === true;
}

const KEY = 'trouble:';

/**
 * `device.battery_low`, `device.tamper`, `device.fault` with their restores (issue 11). Only
 * changes count (Zigbee2MQTT resends cached state); a condition that flaps is folded
 * (flap-fold.ts, `rules.devices.flapWindowMin`). Memory: a record only for devices with
 * trouble now or within the flap window, stored as `trouble:{deviceId}:{kind}`.
 */
export function raiseDeviceTrouble(opts: RaiseDeviceTroubleOptions): OperatorFunction<StateReading, EventDraft> {
  const { site, scheduler, state, sweep } = opts;
  const flapMs = site.rules.devices.flapWindowMin * 60_000;
  const lowPercent = site.rules.devices.batteryLowPercent;
  return (states) => defer(() => {
    const folds = new Map<string, FoldState>();
    /** Devices with a fold record (how many): a quiet report of any other device is skipped at once. */
    const folding = new Map<string, number>();
    const deviceOf = (key: string) => key.slice(0, key.lastIndexOf(':'));
    const remember = (key: string, fold: FoldState) => {
      if (!folds.has(key)) folding.set(deviceOf(key), (folding.get(deviceOf(key)) ?? 0) + 1);
      folds.set(key, fold);
    };
    const forget = (key: string) => {
      if (!folds.delete(key)) return;
      const left = (folding.get(deviceOf(key)) ?? 1) - 1;
      if (left > 0) folding.set(deviceOf(key), left);
      else folding.delete(deviceOf(key));
    };
    for (const [key, fold] of state.entries<FoldState>(KEY)) remember(key.slice(KEY.length), fold);

    const apply = (key: string, fold: FoldState, step: FoldStep, draft: (action: 'raise' | 'clear') => EventDraft): readonly EventDraft[] => {
      if (foldIdle(fold, scheduler.now(), flapMs)) {
        forget(key);
        state.delete(KEY + key);
      } else {
        remember(key, fold);
        state.set(KEY + key, fold);
      }
      if (step.emit === 'none') return NONE;
      const ev = draft(step.emit);
      if (step.count < 2) return [ev];
      const flap: Record<string, number | boolean> = step.emit === 'raise' ? { flapping: true } : { flaps: step.count };
      return [{ ...ev, count: step.count, details: { ...ev.details, ...flap } }];
    };

    const onReading = (r: StateReading): readonly EventDraft[] => {
      // Hot path: nothing wrong now and nothing remembered means every kind is a repeat (see below).
      if (!anyTroubleIn(r.fields, lowPercent) && (folding.size === 0 || !folding.has(r.deviceId))) return NONE;
      const device = site.devices.get(r.deviceId);
      if (!device) return NONE;
      const out: EventDraft[] = [];
      const now = scheduler.now();
      for (const [kind, present] of troubleIn(r.fields, lowPercent)) {
        const key = `${r.deviceId}:${kind}`;
        const fold = folds.get(key);
        const wasOn = fold?.on === true;
        if (wasOn === present) continue; // a repeat (cached state resent), or nothing to restore
        const f = fold ?? newFold();
        const step = present ? foldRaise(f, now, flapMs) : foldClear(f, now, flapMs);
        const details = kind === 'device.battery_low' && r.fields.battery !== undefined ? { battery: r.fields.battery } : undefined;
        out.push(...apply(key, f, step, (action) => deviceEvent(device, r, kind, action, DEFAULT_SEVERITY[kind], details)));
      }
      return out;
    };

    const onSweep = (): readonly EventDraft[] => {
      const now = scheduler.now();
      const out: EventDraft[] = [];
      for (const [key, fold] of folds) {
        if (fold.on) continue;
        const step = foldSweep(fold, now);
        if (step.emit === 'none' && !foldIdle(fold, now, flapMs)) continue;
        const cut = key.lastIndexOf(':');
        const device = site.devices.get(key.slice(0, cut));
        const kind = key.slice(cut + 1) as TroubleKind;
        if (!device) continue;
        out.push(...apply(key, fold, step, (action) => deviceDraft(site, device, kind, action, now)));
      }
      return out;
    };

    return merge(states.pipe(emitEach(onReading)), sweep.pipe(emitEach(onSweep)));
  });
}
