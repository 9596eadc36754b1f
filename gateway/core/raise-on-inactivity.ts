import { type Observable, type OperatorFunction, type SchedulerLike, defer, merge } from 'rxjs';
import { NONE, emitEach } from './emit-each.ts';
import type { SiteModel } from '../site/model.ts';
import type { EventDraft } from './event-draft.ts';
import { afterWindowTime, nextWindowAfter } from './local-time.ts';
import type { InactivityRules, ResidentIndex, ResidentWatch } from './resident-sensors.ts';
import { residentDraft } from './rule-drafts.ts';
import type { RuleStateStore } from './rule-state.ts';
import type { Activity } from './to-activity.ts';
import type { HomePresence } from './track-home-presence.ts';

export interface RaiseOnInactivityOptions {
  site: SiteModel;
  index: ResidentIndex;
  scheduler: SchedulerLike;
  state: RuleStateStore;
  /** The site's periodic sweep: deadlines are checked there, not with a timer per resident. */
  sweep: Observable<unknown>;
}

/** Stored as `inactivity:{residentId}`. */
interface Saved {
  lastActivityAt: number;
  open: boolean;
}

interface Clock extends Saved {
  /** The resident's watch, here so a reading costs one lookup, not two. */
  watch: ResidentWatch;
  savedActivityAt: number;
  away: boolean;
  /** Cached deadline for `lastActivityAt`; recomputed after activity. */
  deadline?: number;
}

const KEY = 'inactivity:';
/**
 * Last activity is written through at most once a minute (motion sensors report far more often);
 * a restart may so restore it up to a minute early, which moves an hours-long deadline by a minute.
 */
const SAVE_EVERY_MS = 60_000;
const HOUR = 3_600_000;

/**
 * `inactivity.no_activity` per resident (issue 4): in mode `continuous`, raised once
 * `noActivityHours` of the active period pass without activity (time outside the period does not
 * count, so the evening's last movement carries over into the morning); in mode `windows`, raised
 * at the end of a window that passed without any activity. Cleared by the next activity.
 * A living-alone resident who went out (HomePresence away) is not raised: the rule is suspended.
 * A resident never seen since the rule first ran counts from that first run.
 */
export function raiseOnInactivity(opts: RaiseOnInactivityOptions): OperatorFunction<Activity | HomePresence, EventDraft> {
  const { site, index, scheduler, state, sweep } = opts;
  const tz = site.file.site.timezone;
  return (input) => defer(() => {
    const clocks = new Map<string, Clock>();
    const start = scheduler.now();
    for (const [id, watch] of index.residents) {
      const saved = state.get<Saved>(KEY + id);
      const clock: Clock = { lastActivityAt: start, open: false, ...saved, watch, savedActivityAt: saved?.lastActivityAt ?? start, away: false };
      if (!saved) save(id, clock);
      clocks.set(id, clock);
    }

    function save(id: string, c: Clock): void {
      c.savedActivityAt = c.lastActivityAt;
      state.set(KEY + id, { lastActivityAt: c.lastActivityAt, open: c.open } satisfies Saved);
    }

    const onInput = (x: Activity | HomePresence): readonly EventDraft[] => {
      if (x.type === 'home') {
        const c = clocks.get(x.residentId);
        if (c) {
          c.away = x.away;
          if (!x.away) touch(x.residentId, c, x.at);
        }
        return NONE;
      }
      if (!x.changed) return NONE;
      let out: EventDraft[] | undefined; // made on the first draft: most activity clears nothing
      for (const id of x.residentIds) {
        const c = clocks.get(id);
        if (!c) continue;
        const watch = c.watch;
        const wasOpen = c.open;
        c.open = false;
        touch(id, c, x.at, wasOpen);
        if (wasOpen) {
          (out ??= []).push(residentDraft(site, watch.resident, 'inactivity.no_activity', 'clear', x.reading.ts, {
            deviceId: x.device.id, source: x.reading.source, details: { activity: x.signal },
          }));
        }
      }
      return out ?? NONE;
    };

    function touch(id: string, c: Clock, at: number, force = false): void {
      if (at > c.lastActivityAt) {
        c.lastActivityAt = at;
        delete c.deadline;
      }
      if (force || c.lastActivityAt - c.savedActivityAt >= SAVE_EVERY_MS) save(id, c);
    }

    const onSweep = (): readonly EventDraft[] => {
      const now = scheduler.now();
      const out: EventDraft[] = [];
      for (const [id, c] of clocks) {
        if (c.open || c.away) continue;
        const watch = c.watch;
        c.deadline ??= deadlineOf(watch.rules, c.lastActivityAt);
        if (now < c.deadline) continue;
        c.open = true;
        save(id, c);
        out.push(raised(watch, c, now));
      }
      return out;
    };

    function deadlineOf(rules: InactivityRules, last: number): number {
      if (rules.mode === 'windows' && rules.windows.length > 0) {
        return Math.min(...rules.windows.map((w) => nextWindowAfter(last, w, tz).end));
      }
      // `windows` with no window configured falls back to `continuous` rather than watching nothing.
      return afterWindowTime(last, rules.noActivityHours * HOUR, rules.activePeriod, tz);
    }

    function raised(watch: ResidentWatch, c: Clock, now: number): EventDraft {
      const r = watch.rules;
      const windowed = r.mode === 'windows' && r.windows.length > 0;
      return residentDraft(site, watch.resident, 'inactivity.no_activity', 'raise', now, {
        details: {
          mode: windowed ? 'windows' : 'continuous',
          lastActivityAt: c.lastActivityAt,
          ...(windowed ? {} : { noActivityHours: r.noActivityHours }),
        },
      });
    }

    return merge(input.pipe(emitEach(onInput)), sweep.pipe(emitEach(onSweep)));
  });
}
