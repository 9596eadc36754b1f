import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { ReadingSource, StateReading } from '../../../contract/index.ts';
import type { SiteModel, WatchedDevice } from '../../site/model.ts';
import type { EventDraft } from './event-draft.ts';
import type { RuleStateStore } from './rule-state.ts';
import { RuleTimers } from './rule-timers.ts';

/** A condition held on one device: since when (scheduler time), and whether its alarm is up. Stored as `{prefix}{deviceId}`. */
export interface Held {
  since: number;
  raised: boolean;
  source: ReadingSource;
}

export interface HoldThenRaiseOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
  /** Rule-state key prefix of the held conditions (`flow:`, `notworn:`). */
  prefix: string;
  /** What a reading says of the condition: true on, false off, undefined nothing for this rule. */
  condition: (r: StateReading) => boolean | undefined;
  /** When a condition held since `held.since` raises (scheduler time). */
  deadline: (device: WatchedDevice, held: Held) => number;
  /** The raise, at the deadline (`now`). */
  raise: (device: WatchedDevice, held: Held, now: number) => EventDraft;
  /** The clear, when a raised condition ends with reading `r`. */
  clear: (device: WatchedDevice, r: StateReading) => EventDraft;
}

/**
 * "Hold, then raise": a condition that must last before it alarms (a flow switch's retard, a
 * watch off the wrist for its grace). Its start is stored, so a restart keeps the original
 * deadline; a condition that ends before the deadline raises nothing; one that ends after it
 * clears. One timer per held condition only (they are rare), cancelled when it ends or on unsubscribe.
 */
export function holdThenRaise(opts: HoldThenRaiseOptions): OperatorFunction<StateReading, EventDraft> {
  const { site, scheduler, state, prefix } = opts;
  return (readings) => new Observable<EventDraft>((subscriber) => {
    const held = new Map<string, Held>();
    const timers = new RuleTimers<string>(scheduler);

    const raise = (device: WatchedDevice, rec: Held): void => {
      rec.raised = true;
      state.set(prefix + device.id, rec);
      subscriber.next(opts.raise(device, rec, scheduler.now()));
    };
    const arm = (deviceId: string, rec: Held): void => {
      const device = site.devices.get(deviceId);
      if (!device) return;
      // A deadline passed while the rule was down fires on the next scheduler turn (rule-timers.ts).
      timers.at(deviceId, opts.deadline(device, rec), () => raise(device, rec));
    };

    for (const [key, rec] of state.entries<Held>(prefix)) {
      const deviceId = key.slice(prefix.length);
      held.set(deviceId, rec);
      if (!rec.raised) arm(deviceId, rec);
    }

    const sub = readings.subscribe({
      next: (r) => {
        const on = opts.condition(r);
        if (on === undefined) return;
        const rec = held.get(r.deviceId);
        if (!on && !rec) return; // off, as it was: the usual report, no device lookup
        const device = site.devices.get(r.deviceId);
        if (!device) return;
        if (on) {
          if (rec) return; // still on: the hold keeps its start
          const started: Held = { since: scheduler.now(), raised: false, source: r.source };
          held.set(r.deviceId, started);
          state.set(prefix + r.deviceId, started);
          arm(r.deviceId, started);
          return;
        }
        held.delete(r.deviceId);
        state.delete(prefix + r.deviceId);
        timers.cancel(r.deviceId);
        if (rec!.raised) subscriber.next(opts.clear(device, r));
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
