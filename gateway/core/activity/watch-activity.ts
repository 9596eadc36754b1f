import { type OperatorFunction, type SchedulerLike, defer, merge, share, timer } from 'rxjs';
import type { StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { FanOut } from '../kit/fan-out.ts';
import { raiseOnBedExit } from './raise-on-bed-exit.ts';
import { raiseOnInactivity } from './raise-on-inactivity.ts';
import { indexResidentSensors } from './resident-sensors.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';
import { routeByField } from '../kit/route-by-field.ts';
import { type Activity, activityFieldsOf, toActivity } from './to-activity.ts';
import { trackHomePresence } from './track-home-presence.ts';
import { verifyRadarFall } from './verify-radar-fall.ts';

export interface WatchActivityOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  /** Survives restarts: last activity, bed state, away-from-home, pending falls, open alarms. */
  state: RuleStateStore;
  /** Period of the site's one activity sweep, in scheduler seconds (default 30). */
  sweepEverySec?: number;
  /**
   * Delay of the first sweep (ms): a regional gateway gives each site its own phase, so 10,000
   * homes' sweeps spread over the period instead of firing together (which stalled alarms ~2 s).
   */
  sweepPhaseMs?: number;
}

/**
 * The residents' activity rules of one site (issues 4 and 11): `inactivity.no_activity`
 * (suspended while a living-alone resident is out), `inactivity.bed_exit`, and radar
 * `fall.detected`. Deadlines are checked by ONE scheduler interval per site.
 */
export function watchActivity(opts: WatchActivityOptions): OperatorFunction<StateReading, EventDraft> {
  const { site, scheduler, state } = opts;
  const index = indexResidentSensors(site);
  // What counts as activity is each device's profile (`activitySignals`), read once per site.
  const activityFields = activityFieldsOf(site);
  return (states) => defer(() => {
    const periodMs = (opts.sweepEverySec ?? 30) * 1000;
    const sweep = timer(opts.sweepPhaseMs ?? periodMs, periodMs, scheduler).pipe(share());
    const activityRules: OperatorFunction<StateReading, EventDraft> = (moving) => {
      const activity = moving.pipe(toActivity({ site, index, scheduler }), share({ connector: () => new FanOut<Activity>() }));
      const presence = activity.pipe(trackHomePresence({ index, scheduler, state, sweep }));
      return merge(
        merge(activity, presence).pipe(raiseOnInactivity({ site, index, scheduler, state, sweep })),
        activity.pipe(raiseOnBedExit({ site, index, scheduler, state, sweep })),
      );
    };
    // Only reports that can show movement reach toActivity (the profiles' activity fields); the radar-fall rule
    // keeps every report, since any report of a radar with a pending fall counts.
    return states.pipe(routeByField<EventDraft>([
      { fields: activityFields, rule: activityRules },
      { fields: 'every', rule: verifyRadarFall({ site, scheduler, state }) },
    ]));
  });
}
