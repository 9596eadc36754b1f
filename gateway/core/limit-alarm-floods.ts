import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { EventKind } from '../../contract/index.ts';
import type { SiteModel } from '../site/model.ts';
import type { EventDraft } from './kit/event-draft.ts';
import type { RuleStateStore } from './kit/rule-state.ts';
import { RuleTimers } from './kit/rule-timers.ts';

/**
 * Kinds that are momentary events (a press, a fall), not conditions: nothing clears them at the
 * gateway, so they count as one alarm only while repeats keep coming within the fold window.
 */
export const MOMENTARY_KINDS: readonly EventKind[] = ['call.button', 'wearable.sos', 'wearable.fall', 'fall.detected'];

export interface FloodOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
  momentaryKinds?: readonly EventKind[];
}

/** One active alarm as flood control knows it. */
interface ActiveAlarm {
  count: number;
  lastRaiseAt: number;
  reportedAt: number;
  reportedCount: number;
  /** The latest repeat, reported with the grown count when the report interval allows. */
  latest: EventDraft;
}

/**
 * Flood control over all of a site's drafts: at most one active alarm per (subject, kind) —
 * the site is the stream's (ANSI/ISA-18.2: a repeating alarm is one alarm). The first raise
 * passes at once with `count: 1`; repeats while active grow the count and are reported at most
 * every `rules.flood.repeatReportSec` (the last one trailing, so the final count always arrives).
 * Each report carries the repeats since the one before. A clear first reports repeats still
 * waiting, then passes and ends the alarm. A momentary kind stays active for
 * `rules.flood.repeatFoldSec` after its last repeat. Records (`fire.test`) pass untouched.
 * Active alarms live in the rule state: after a restart, a repeat still folds into its alarm.
 */
export function limitAlarmFloods(opts: FloodOptions): OperatorFunction<EventDraft, EventDraft> {
  const { site, scheduler, state } = opts;
  const momentary = new Set<string>(opts.momentaryKinds ?? MOMENTARY_KINDS);
  const foldMs = site.rules.flood.repeatFoldSec * 1000;
  const reportMs = site.rules.flood.repeatReportSec * 1000;
  const prefix = 'flood:';
  return (drafts) => new Observable<EventDraft>((subscriber) => {
    const active = new Map<string, ActiveAlarm>();
    const reports = new RuleTimers<string>(scheduler);
    const expiries = new RuleTimers<string>(scheduler);

    const end = (key: string): void => {
      active.delete(key);
      state.delete(prefix + key);
      reports.cancel(key);
      expiries.cancel(key);
    };
    // A report carries the repeats since the previous one (contract Event.count: "repeats folded
    // into this event"); the server adds them to the alarm's count.
    const report = (key: string, a: ActiveAlarm): void => {
      const unreported = a.count - a.reportedCount;
      a.reportedAt = scheduler.now();
      a.reportedCount = a.count;
      state.set(prefix + key, a);
      subscriber.next({ ...a.latest, count: unreported });
    };
    const armReport = (key: string, a: ActiveAlarm): void => {
      if (!reports.has(key)) reports.at(key, a.reportedAt + reportMs, () => report(key, a));
    };
    const armExpiry = (key: string, a: ActiveAlarm): void => {
      // Before forgetting, report a repeat still waiting, so the count is never lost.
      expiries.at(key, a.lastRaiseAt + foldMs, () => {
        if (a.count > a.reportedCount) report(key, a);
        end(key);
      });
    };

    for (const [k, a] of state.entries<ActiveAlarm>(prefix)) {
      const key = k.slice(prefix.length);
      active.set(key, a);
      if (a.count > a.reportedCount) armReport(key, a);
      if (momentary.has(a.latest.kind)) armExpiry(key, a);
    }

    const sub = drafts.subscribe({
      next: (d) => {
        if (d.action === 'record') {
          subscriber.next(d);
          return;
        }
        const key = `${d.subject}|${d.kind}`;
        const a = active.get(key);
        if (d.action === 'clear') {
          if (a) {
            // Repeats still waiting for their report go out before the clear: none is lost.
            if (a.count > a.reportedCount) report(key, a);
            end(key);
          }
          subscriber.next(d);
          return;
        }
        const now = scheduler.now();
        if (!a) {
          const fresh: ActiveAlarm = { count: d.count ?? 1, lastRaiseAt: now, reportedAt: now, reportedCount: d.count ?? 1, latest: d };
          active.set(key, fresh);
          state.set(prefix + key, fresh);
          if (momentary.has(d.kind)) armExpiry(key, fresh);
          subscriber.next({ ...d, count: fresh.count });
          return;
        }
        a.count += d.count ?? 1;
        a.lastRaiseAt = now;
        a.latest = d;
        if (momentary.has(d.kind)) armExpiry(key, a);
        if (now - a.reportedAt >= reportMs) {
          reports.cancel(key);
          report(key, a);
        } else {
          state.set(prefix + key, a);
          armReport(key, a);
        }
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => {
      sub.unsubscribe();
      reports.dispose();
      expiries.dispose();
    };
  });
}
