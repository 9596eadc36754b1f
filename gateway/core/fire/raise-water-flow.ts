import type { OperatorFunction, SchedulerLike } from 'rxjs';
import type { StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import { type EventDraft, deviceEvent } from '../kit/event-draft.ts';
import { holdThenRaise } from '../kit/hold-then-raise.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

export interface WaterFlowOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
}

/**
 * `fire.water_flow` when a flow switch reports flow sustained for the retard
 * (`rules.fire.waterFlowRetardSec`, default 10 s). NFPA 72 17.13.2: a water-flow alarm may be
 * retarded so pressure surges do not alarm, by at most 90 s; flow that stops within the retard was
 * a surge and raises nothing. Clears when flow stops after the alarm.
 * The retard's start survives a restart: a restarted rule raises at the original deadline.
 */
export function raiseWaterFlow(opts: WaterFlowOptions): OperatorFunction<StateReading, EventDraft> {
  const { site } = opts;
  const retardMs = site.rules.fire.waterFlowRetardSec * 1000;
  return holdThenRaise({
    site, scheduler: opts.scheduler, state: opts.state,
    prefix: 'flow:',
    condition: (r) => (typeof r.fields.water_flow === 'boolean' ? r.fields.water_flow : undefined),
    deadline: (_device, held) => held.since + retardMs,
    raise: (device, held, now) => deviceEvent(device, { siteId: site.id, ts: now, source: held.source }, 'fire.water_flow', 'raise', 'critical',
      { retardSec: retardMs / 1000 }),
    clear: (device, r) => deviceEvent(device, r, 'fire.water_flow', 'clear', 'critical'),
  });
}
