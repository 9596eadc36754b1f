import { type Observable, type OperatorFunction, type SchedulerLike, defer, merge } from 'rxjs';
import { DeadlineWheel } from '../kit/deadline-wheel.ts';
import { NONE, emitEach } from '../kit/emit-each.ts';
import type { Reading } from '../../../contract/index.ts';
import type { SiteModel, WatchedDevice } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { type FoldState, type FoldStep, foldClear, foldIdle, foldRaise, foldSweep, newFold } from './flap-fold.ts';
import type { LinkRegistry } from './raise-on-link-down.ts';
import { deviceDraft } from '../kit/rule-drafts.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

export interface RaiseOnSilenceOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
  /** The site's one periodic sweep: every device's silence is checked there (no timer per device). */
  sweep: Observable<unknown>;
  /** Links that are down: devices behind them are not reported one by one. */
  registry?: LinkRegistry;
}

/** Stored as `silence:{deviceId}`. */
interface Saved {
  lastSeen: number;
  fold?: FoldState;
}

/**
 * Per device in memory: its entry, its slot in the time arrays below and, only while there is
 * something to fold, a small record. The times a reading touches (last seen, last saved, slack)
 * sit in typed arrays by slot, not on this object: an epoch-ms number on an object is a boxed
 * heap number, so each reading would fetch three scattered objects instead of one array cell.
 */
interface Watch {
  d: WatchedDevice;
  slot: number;
  fold?: FoldState;
}

const KEY = 'silence:';
/** Slot width of the deadline wheel: finer than any sweep period worth having. */
const WHEEL_SLOT_MS = 5_000;

/**
 * How stale the stored `lastSeen` may get: an eighth of the device's period, so a device
 * reporting every 10 s is not written every 10 s. A restart restores `lastSeen` as the stored
 * value plus this slack (never beyond the restart), so it can report a device late, never early.
 */
function saveSlackMs(d: WatchedDevice): number {
  return Math.max(1000, (d.reportIntervalSec * 1000) / 8);
}

/**
 * Supervision (issue 11): every device is expected within `reportIntervalSec` (its own override,
 * else its profile's). Silence beyond it, or an `availability: offline`, raises `device.offline`;
 * any report (state, or availability online) clears it. Flapping devices are folded
 * (flap-fold.ts, `rules.devices.flapWindowMin`). Devices behind a link that is down stay quiet
 * (the link's root-cause event speaks for them) and count their silence from the link's return.
 * A device never heard from counts from the rule's first start, which is stored.
 */
export function raiseOnSilence(opts: RaiseOnSilenceOptions): OperatorFunction<Reading, EventDraft> {
  const { site, scheduler, state, sweep, registry } = opts;
  const flapMs = site.rules.devices.flapWindowMin * 60_000;
  return (readings) => defer(() => {
    const now0 = scheduler.now();
    const n = site.devices.size;
    const slots = new Map<string, number>();
    const watchAt: Watch[] = [];
    const lastSeen = new Float64Array(n);
    const savedSeen = new Float64Array(n);
    /** saveSlackMs per slot, so a reading need not fetch the device entry. */
    const slackMs = new Float64Array(n);
    /** 1 while the device's fold is on (offline raised): the one case a reading must look further. */
    const foldOn = new Uint8Array(n);
    // Silence deadlines in time slots: a sweep visits only devices that may be due (deadline-wheel.ts).
    const wheel = new DeadlineWheel<Watch>(WHEEL_SLOT_MS);
    /** Devices with a fold in progress: visited every sweep until the fold is idle. */
    const folding = new Set<Watch>();
    for (const d of site.devices.values()) {
      const saved = state.get<Saved>(KEY + d.id);
      const slot = watchAt.length;
      const w: Watch = { d, slot, ...(saved?.fold ? { fold: saved.fold } : {}) };
      watchAt.push(w);
      slots.set(d.id, slot);
      slackMs[slot] = saveSlackMs(d);
      lastSeen[slot] = saved ? Math.min(saved.lastSeen + slackMs[slot]!, now0) : now0;
      savedSeen[slot] = saved?.lastSeen ?? now0;
      foldOn[slot] = w.fold?.on ? 1 : 0;
      if (!saved) save(w);
      wheel.add(w, lastSeen[slot]! + d.reportIntervalSec * 1000);
      if (w.fold) folding.add(w);
    }

    function save(w: Watch): void {
      const seen = lastSeen[w.slot]!;
      savedSeen[w.slot] = seen;
      state.set(KEY + w.d.id, w.fold ? { lastSeen: seen, fold: w.fold } : { lastSeen: seen });
    }

    /** After a fold step: forget a fold with nothing left to remember, persist, and draft the event. */
    function apply(w: Watch, step: FoldStep, ts: number, extra: EventDraft['details'], r?: Reading): readonly EventDraft[] {
      if (w.fold && foldIdle(w.fold, scheduler.now(), flapMs)) delete w.fold;
      if (w.fold) folding.add(w);
      else folding.delete(w);
      // Every fold step that can turn `on` ends here (foldRaise, foldClear).
      foldOn[w.slot] = w.fold?.on ? 1 : 0;
      save(w);
      if (step.emit === 'none') return NONE;
      const d = w.d;
      const details = step.emit === 'raise'
        ? { ...extra, reportIntervalSec: d.reportIntervalSec, lastSeen: lastSeen[w.slot]!, ...(step.flapping ? { flapping: true } : {}) }
        : { ...extra, ...(step.count > 1 ? { flaps: step.count } : {}) };
      return [deviceDraft(site, d, 'device.offline', step.emit, ts, {
        ...(step.count > 1 ? { count: step.count } : {}),
        ...(Object.keys(details).length > 0 ? { details } : {}),
        ...(r ? { source: r.source } : {}),
      })];
    }

    // Hot path (every reading of the site): one map lookup and array cells; the Watch only when needed.
    const onReading = (r: Reading): readonly EventDraft[] => {
      const slot = slots.get(r.deviceId);
      if (slot === undefined) return NONE;
      const now = scheduler.now();
      registry?.learn(r.deviceId, r.source.link);
      if (r.type === 'availability' && !r.online) {
        // An offline message is no sign of life: lastSeen stays.
        const w = watchAt[slot]!;
        if (registry?.isSuppressed(w.d)) return NONE;
        w.fold ??= newFold();
        return apply(w, foldRaise(w.fold, now, flapMs), r.ts, { reason: 'availability' }, r);
      }
      lastSeen[slot] = now;
      if (foldOn[slot] === 1) {
        const w = watchAt[slot]!;
        return apply(w, foldClear(w.fold!, now, flapMs), r.ts, {}, r);
      }
      if (now - savedSeen[slot]! >= slackMs[slot]!) save(watchAt[slot]!);
      return NONE;
    };

    const onSweep = (): readonly EventDraft[] => {
      const now = scheduler.now();
      const out: EventDraft[] = [];
      for (const w of [...folding]) {
        const f = w.fold;
        if (!f || f.on) continue;
        const step = foldSweep(f, now);
        if (step.emit !== 'none' || foldIdle(f, now, flapMs)) out.push(...apply(w, step, now, {}));
      }
      for (const w of wheel.takeDue(now)) {
        const intervalMs = w.d.reportIntervalSec * 1000;
        const since = Math.max(lastSeen[w.slot]!, registry?.upSince(w.d) ?? 0);
        // Not due after all (it reported since it was filed): file it at its real deadline.
        if (now - since <= intervalMs) { wheel.add(w, since + intervalMs + 1); continue; }
        // Offline (raised) or behind a link that is down: look again next slot, as the full scan did.
        wheel.add(w, now + WHEEL_SLOT_MS);
        if (w.fold?.on) continue;
        if (registry?.isSuppressed(w.d)) continue;
        w.fold ??= newFold();
        out.push(...apply(w, foldRaise(w.fold, now, flapMs), now, { reason: 'silent' }));
      }
      return out;
    };

    return merge(readings.pipe(emitEach(onReading)), sweep.pipe(emitEach(onSweep)));
  });
}
