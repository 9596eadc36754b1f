import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { ReadingSource, StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import { type EventDraft, deviceEvent } from '../kit/event-draft.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';
import { RuleTimers } from '../kit/rule-timers.ts';

export interface WaterFlowOptions {
  scheduler: SchedulerLike;
  state: RuleStateStore;
}

/** One flow switch that reports flow: since when (scheduler time), and whether it has alarmed. */
interface FlowRecord {
  since: number;
  raised: boolean;
  source: ReadingSource;
}

/**
 * `fire.water_flow` when a flow switch reports flow sustained for the retard
 * (`rules.fire.waterFlowRetardSec`, default 10 s). NFPA 72 17.13.2: a water-flow alarm may be
 * retarded so pressure surges do not alarm, by at most 90 s; flow that stops within the retard was
 * a surge and raises nothing. Clears when flow stops after the alarm.
 * The retard's start survives a restart: a restarted rule raises at the original deadline.
 */
export function raiseWaterFlow(site: SiteModel, opts: WaterFlowOptions): OperatorFunction<StateReading, EventDraft> {
  const { scheduler, state } = opts;
  const retardMs = site.rules.fire.waterFlowRetardSec * 1000;
  const prefix = 'flow:';
  return (readings) => new Observable<EventDraft>((subscriber) => {
    const flowing = new Map<string, FlowRecord>();
    const timers = new RuleTimers<string>(scheduler);

    const raise = (deviceId: string, rec: FlowRecord): void => {
      const device = site.devices.get(deviceId);
      if (!device) return;
      rec.raised = true;
      state.set(prefix + deviceId, rec);
      const ts = scheduler.now();
      subscriber.next(deviceEvent(device, { siteId: site.id, ts, source: rec.source }, 'fire.water_flow', 'raise', 'critical',
        { retardSec: retardMs / 1000 }));
    };
    const arm = (deviceId: string, rec: FlowRecord): void => {
      if (rec.since + retardMs <= scheduler.now()) raise(deviceId, rec);
      else timers.at(deviceId, rec.since + retardMs, () => raise(deviceId, rec));
    };

    for (const [key, rec] of state.entries<FlowRecord>(prefix)) {
      const deviceId = key.slice(prefix.length);
      flowing.set(deviceId, rec);
      if (!rec.raised) arm(deviceId, rec);
    }

    const sub = readings.subscribe({
      next: (r) => {
        const flow = r.fields.water_flow;
        if (typeof flow !== 'boolean') return;
        const device = site.devices.get(r.deviceId);
        if (!device) return;
        const rec = flowing.get(r.deviceId);
        if (flow) {
          if (rec) return; // still flowing: the retard keeps its start
          const started: FlowRecord = { since: scheduler.now(), raised: false, source: r.source };
          flowing.set(r.deviceId, started);
          state.set(prefix + r.deviceId, started);
          arm(r.deviceId, started);
          return;
        }
        if (!rec) return;
        flowing.delete(r.deviceId);
        state.delete(prefix + r.deviceId);
        timers.cancel(r.deviceId);
        if (rec.raised) subscriber.next(deviceEvent(device, r, 'fire.water_flow', 'clear', 'critical'));
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => {
      sub.unsubscribe();
      timers.dispose();
    };
  });
}
