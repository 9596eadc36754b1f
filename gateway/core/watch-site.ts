import { type Observable, type OperatorFunction, type SchedulerLike, connect, filter, merge } from 'rxjs';
import type { FieldName, LinkStatus, Reading, StateReading } from '../../contract/index.ts';
import type { SiteModel } from '../site/model.ts';
import { confirmFireAcrossDetectors } from './fire/confirm-fire-across-detectors.ts';
import type { EventDraft } from './kit/event-draft.ts';
import { FanOut } from './kit/fan-out.ts';
import { limitAlarmFloods } from './limit-alarm-floods.ts';
import { raiseCall } from './call/raise-call.ts';
import { raiseGeofenceExit } from './wearable/raise-geofence-exit.ts';
import { raiseNotWorn } from './wearable/raise-not-worn.ts';
import { raiseOnFlag } from './fire/raise-on-flag.ts';
import { raiseOnVitalOutOfRange } from './wearable/raise-on-vital-out-of-range.ts';
import { raiseWaterFlow } from './fire/raise-water-flow.ts';
import { raiseWearableAlarms } from './wearable/raise-wearable-alarms.ts';
import { recordSelfTest } from './fire/record-self-test.ts';
import { type FieldRoute, routeByField } from './kit/route-by-field.ts';
import type { RuleStateStore } from './kit/rule-state.ts';
import { superviseDevices } from './supervision/supervise-devices.ts';
import { watchActivity } from './activity/watch-activity.ts';

export interface WatchSiteOptions {
  site: SiteModel;
  /** Every timer and "now" of every rule comes from here (virtual time in tests). */
  scheduler: SchedulerLike;
  /** What must survive a restart: open conditions, timer deadlines, last flags, active alarms. */
  state: RuleStateStore;
  /** Whole links (bridges, serial receivers, platforms) going up and down, for supervision. */
  links?: Observable<LinkStatus>;
  /** Period of the activity and supervision sweeps, in scheduler seconds (default 30). */
  sweepEverySec?: number;
  /** First sweep's delay (ms); see supervise-devices.ts. Default: one period. */
  sweepPhaseMs?: number;
}

/**
 * The rules of one site: readings in, event drafts out — fire (smoke, heat, water flow,
 * confirmation, self-tests), water leaks, calls, wearables, residents' activity (watchActivity)
 * and device supervision (superviseDevices), all through flood control. Pure stream logic: no
 * transport, no clock but the scheduler, no I/O (DESIGN.md "Walls worth keeping"). Subscribing starts the
 * rules from `opts.state`; unsubscribing stops every timer. A new subscription with the same
 * state is a restarted gateway: it neither re-raises what was raised nor forgets a running timer.
 */
export function watchSite(opts: WatchSiteOptions): OperatorFunction<Reading, EventDraft> {
  const { site, scheduler, state } = opts;
  const sweep = {
    ...(opts.sweepEverySec !== undefined ? { sweepEverySec: opts.sweepEverySec } : {}),
    ...(opts.sweepPhaseMs !== undefined ? { sweepPhaseMs: opts.sweepPhaseMs } : {}),
  };
  // Only the rules some device of the site can feed: a home with five devices does not carry a
  // sprinkler rule. A regional gateway holds 10,000 sites, and each rule is a live RxJS pipeline.
  const can = fieldsOfSite(site);
  const when = <T>(fields: readonly FieldName[], rule: OperatorFunction<StateReading, T>): FieldRoute<T>[] =>
    (fields.some((f) => can(f)) ? [{ fields, rule }] : []);
  // Each state reading is routed once, to the rules whose fields it carries (route-by-field.ts):
  // a motion report does not visit the smoke, vital or geofence rules.
  const fireRules = routeByField<EventDraft>([
    ...when(['smoke'], raiseOnFlag({ site, rule: { field: 'smoke', kind: 'fire.smoke', severity: 'critical', ignoreDuringTest: true }, state })),
    ...when(['heat'], raiseOnFlag({ site, rule: { field: 'heat', kind: 'fire.heat', severity: 'critical', ignoreDuringTest: true }, state })),
    ...when(['water_flow'], raiseWaterFlow({ site, scheduler, state })),
  ]);
  const fire: OperatorFunction<StateReading, EventDraft> = (states) => states.pipe(
    fireRules,
    connect((f) => merge(f, f.pipe(confirmFireAcrossDetectors({ site, scheduler, state })))),
  );
  const stateRules = routeByField<EventDraft>([
    ...when(['smoke', 'heat', 'water_flow'], fire),
    ...when(['test'], recordSelfTest({ site, state })),
    ...when(['water_leak'], raiseOnFlag({ site, rule: { field: 'water_leak', kind: 'water.leak', severity: 'major' }, state })),
    ...when(['action'], raiseCall({ site, scheduler, state })),
    ...when(['sos', 'fall'], raiseWearableAlarms({ site })),
    ...when(['heart_rate'], raiseOnVitalOutOfRange({ site, vital: 'heart_rate', scheduler, state })),
    ...when(['spo2'], raiseOnVitalOutOfRange({ site, vital: 'spo2', scheduler, state })),
    ...when(['worn'], raiseNotWorn({ site, scheduler, state })),
    ...when(['latitude'], raiseGeofenceExit({ site, state })),
    // Activity takes every report and routes it on inside (watch-activity.ts); supervision, below,
    // takes every reading, availability included.
    { fields: 'every', rule: watchActivity({ site, scheduler, state, ...sweep }) },
  ]);
  // connect(): every rule subscribes before the readings start, so even a synchronous source
  // reaches all of them; the source is subscribed once (through a FanOut: no closure per reading).
  return (readings) => readings.pipe(connect((all) => merge(
    all.pipe(filter((r): r is StateReading => r.type === 'state'), stateRules),
    all.pipe(superviseDevices({ site, scheduler, state, ...(opts.links ? { links: opts.links } : {}), ...sweep })),
  ), { connector: () => new FanOut<Reading>() }), limitAlarmFloods({ site, scheduler, state }));
}

/** Which fields the site's devices can report, from their profiles (the site model carries them). */
function fieldsOfSite(site: SiteModel): (field: FieldName) => boolean {
  const fields = new Set<FieldName>();
  for (const d of site.devices.values()) for (const f of d.profile.fields) fields.add(f);
  return (field) => fields.has(field);
}
