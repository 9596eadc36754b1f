import { type Observable, type OperatorFunction, type SchedulerLike, defer, merge } from 'rxjs';
import { emitEach } from './emit-each.ts';
import type { Reading } from '../../contract/index.ts';
import type { SiteModel, WatchedDevice } from '../site/model.ts';
import type { EventDraft } from './event-draft.ts';
import { type FoldState, type FoldStep, foldClear, foldIdle, foldRaise, foldSweep, newFold } from './flap-fold.ts';
import type { LinkRegistry } from './raise-on-link-down.ts';
import { deviceDraft } from './rule-drafts.ts';
import type { RuleStateStore } from './rule-state.ts';

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

/** Per device in memory: its entry, two numbers and, only while there is something to fold, a small record. */
interface Watch {
  d: WatchedDevice;
  lastSeen: number;
  savedSeen: number;
  fold?: FoldState;
}

const KEY = 'silence:';

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
    const watches = new Map<string, Watch>();
    for (const d of site.devices.values()) {
      const saved = state.get<Saved>(KEY + d.id);
      const lastSeen = saved ? Math.min(saved.lastSeen + saveSlackMs(d), now0) : now0;
      const w: Watch = { d, lastSeen, savedSeen: saved?.lastSeen ?? now0, ...(saved?.fold ? { fold: saved.fold } : {}) };
      if (!saved) save(w);
      watches.set(d.id, w);
    }

    function save(w: Watch): void {
      w.savedSeen = w.lastSeen;
      state.set(KEY + w.d.id, w.fold ? { lastSeen: w.lastSeen, fold: w.fold } : { lastSeen: w.lastSeen });
    }

    /** After a fold step: forget a fold with nothing left to remember, persist, and draft the event. */
    function apply(w: Watch, step: FoldStep, ts: number, extra: EventDraft['details'], r?: Reading): EventDraft[] {
      if (w.fold && foldIdle(w.fold, scheduler.now(), flapMs)) delete w.fold;
      save(w);
      if (step.emit === 'none') return [];
      const d = w.d;
      const details = step.emit === 'raise'
        ? { ...extra, reportIntervalSec: d.reportIntervalSec, lastSeen: w.lastSeen, ...(step.flapping ? { flapping: true } : {}) }
        : { ...extra, ...(step.count > 1 ? { flaps: step.count } : {}) };
      return [deviceDraft(site, d, 'device.offline', step.emit, ts, {
        ...(step.count > 1 ? { count: step.count } : {}),
        ...(Object.keys(details).length > 0 ? { details } : {}),
        ...(r ? { source: r.source } : {}),
      })];
    }

    const onReading = (r: Reading): EventDraft[] => {
      const w = watches.get(r.deviceId);
      if (!w) return [];
      const now = scheduler.now();
      registry?.learn(w.d.id, r.source.link);
      if (r.type === 'availability' && !r.online) {
        // An offline message is no sign of life: lastSeen stays.
        if (registry?.isSuppressed(w.d)) return [];
        w.fold ??= newFold();
        return apply(w, foldRaise(w.fold, now, flapMs), r.ts, { reason: 'availability' }, r);
      }
      w.lastSeen = now;
      if (w.fold?.on) return apply(w, foldClear(w.fold, now, flapMs), r.ts, {}, r);
      if (now - w.savedSeen >= saveSlackMs(w.d)) save(w);
      return [];
    };

    const onSweep = (): EventDraft[] => {
      const now = scheduler.now();
      const out: EventDraft[] = [];
      for (const w of watches.values()) {
        const f = w.fold;
        if (f?.on) continue;
        if (f) {
          const step = foldSweep(f, now);
          if (step.emit !== 'none' || foldIdle(f, now, flapMs)) out.push(...apply(w, step, now, {}));
        }
        const since = Math.max(w.lastSeen, registry?.upSince(w.d) ?? 0);
        if (now - since <= w.d.reportIntervalSec * 1000) continue;
        if (registry?.isSuppressed(w.d)) continue;
        w.fold ??= newFold();
        out.push(...apply(w, foldRaise(w.fold, now, flapMs), now, { reason: 'silent' }));
      }
      return out;
    };

    return merge(readings.pipe(emitEach(onReading)), sweep.pipe(emitEach(onSweep)));
  });
}
