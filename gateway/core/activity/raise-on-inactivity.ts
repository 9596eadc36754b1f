import { type Observable, type OperatorFunction, type SchedulerLike, defer, merge } from 'rxjs';
import { NONE, emitEach } from '../kit/emit-each.ts';
import type { SiteModel } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { afterWindowTime, nextClockTime, nextWindowAfter } from '../kit/local-time.ts';
import type { InactivityRules, ResidentIndex, ResidentWatch } from './resident-sensors.ts';
import { residentDraft } from '../kit/rule-drafts.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';
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
  /** Living alone: went out at (kept across restarts, so the latest return time stays the one after leaving). */
  awaySince?: number;
  /** `inactivity.not_back` raised and not yet cleared. */
  notBack?: boolean;
  /** Living alone and away: the home door closed at (someone came in); movement inside clears it. */
  cameInAt?: number;
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
 * Issue 15 defect 5, for the living alone: gone out and not home by `latestReturn` (default
 * 23:00 local, the first after leaving) raises `inactivity.not_back`, cleared when they are back;
 * the home door closing while away ("came in") and then no movement inside for
 * `noActivityHours` raises `inactivity.no_activity` (details.mode `came_in`), any time of day.
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
      state.set(KEY + id, {
        lastActivityAt: c.lastActivityAt, open: c.open,
        ...(c.awaySince !== undefined ? { awaySince: c.awaySince } : {}),
        ...(c.notBack ? { notBack: true } : {}),
        ...(c.cameInAt !== undefined ? { cameInAt: c.cameInAt } : {}),
      } satisfies Saved);
    }

    /** Home again (movement inside): not_back clears, the came-in watch ends. */
    function back(c: Clock, at: number): EventDraft[] {
      const out: EventDraft[] = [];
      if (c.notBack) {
        out.push(residentDraft(site, c.watch.resident, 'inactivity.not_back', 'clear', at, {
          details: { awaySince: c.awaySince ?? null, backAt: at },
        }));
      }
      delete c.notBack;
      delete c.awaySince;
      delete c.cameInAt;
      return out;
    }

    const onInput = (x: Activity | HomePresence): readonly EventDraft[] => {
      if (x.type === 'home') {
        const c = clocks.get(x.residentId);
        if (!c) return NONE;
        c.away = x.away;
        if (x.away) {
          // After a door closed while away the tracker cannot tell "went out again" from "came
          // in and lies still": the came-in watch keeps running, not_back does not restart.
          if (c.awaySince === undefined && c.cameInAt === undefined) {
            c.awaySince = x.at;
            save(x.residentId, c);
          }
          return NONE;
        }
        const out = back(c, x.at);
        touch(x.residentId, c, x.at, true);
        return out.length > 0 ? out : NONE;
      }
      if (!x.changed) return NONE;
      let out: EventDraft[] | undefined; // made on the first draft: most activity clears nothing
      for (const id of x.residentIds) {
        const c = clocks.get(id);
        if (!c) continue;
        const watch = c.watch;
        if (c.away && x.signal === 'door_closed' && watch.homeDoors.has(x.device.id) && c.cameInAt === undefined) {
          // Away, and the home door closed: someone came in. From now on nothing moving inside
          // for the inactivity period is "came in, then no movement" (issue 15 defect 5).
          c.cameInAt = x.at;
          if (c.notBack) {
            (out ??= []).push(residentDraft(site, watch.resident, 'inactivity.not_back', 'clear', x.reading.ts, {
              deviceId: x.device.id, source: x.reading.source, details: { awaySince: c.awaySince ?? null, cameInAt: x.at },
            }));
            delete c.notBack;
          }
          delete c.awaySince;
          save(id, c);
        }
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
        const watch = c.watch;
        if (c.cameInAt !== undefined && !c.open && now >= c.cameInAt + watch.rules.noActivityHours * HOUR) {
          c.open = true;
          save(id, c);
          out.push(residentDraft(site, watch.resident, 'inactivity.no_activity', 'raise', now, {
            details: { mode: 'came_in', cameInAt: c.cameInAt, noActivityHours: watch.rules.noActivityHours },
          }));
          continue;
        }
        if (c.away && c.awaySince !== undefined && !c.notBack && now >= nextClockTime(c.awaySince, watch.rules.latestReturn, tz)) {
          c.notBack = true;
          save(id, c);
          out.push(residentDraft(site, watch.resident, 'inactivity.not_back', 'raise', now, {
            details: { awaySince: c.awaySince, latestReturn: watch.rules.latestReturn },
          }));
          continue;
        }
        if (c.open || c.away) continue;
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
