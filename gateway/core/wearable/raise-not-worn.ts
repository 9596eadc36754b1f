import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { ReadingSource, StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { DEFAULT_TIMEZONE, afterWindowTime } from '../kit/local-time.ts';
import { rulesFor } from '../kit/resident-rules.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';
import { RuleTimers } from '../kit/rule-timers.ts';
import { wearerEvent } from './wearer-event.ts';

export interface NotWornOptions {
  scheduler: SchedulerLike;
  state: RuleStateStore;
}

/** A wearable reported off the wrist: since when, and whether the alarm is up. */
interface OffWrist {
  since: number;
  raised: boolean;
  source: ReadingSource;
}

/**
 * `wearable.not_worn` (warning) when a wearable reports `worn: false` and is not put back on for
 * `rules.wearable.notWornGraceMin` of the resident's day hours (`rules.wearable.dayHours`, site
 * time zone): a watch charging overnight is expected, one still off half an hour into the
 * morning leaves a resident without their SOS button and fall detection. Only day-hour time
 * counts toward the grace, so a watch taken off at night alarms at day start + grace. Cleared
 * when worn again, whatever the hour.
 * The off-wrist start survives a restart; a deadline missed while down fires at once.
 */
export function raiseNotWorn(site: SiteModel, opts: NotWornOptions): OperatorFunction<StateReading, EventDraft> {
  const { scheduler, state } = opts;
  const timeZone = site.file.site.timezone ?? DEFAULT_TIMEZONE;
  const prefix = 'notworn:';
  return (readings) => new Observable<EventDraft>((subscriber) => {
    const offWrist = new Map<string, OffWrist>();
    const timers = new RuleTimers<string>(scheduler);

    const arm = (deviceId: string, rec: OffWrist): void => {
      const device = site.devices.get(deviceId);
      if (!device) return;
      const rules = rulesFor(site, device.residentId).wearable;
      const deadline = afterWindowTime(rec.since, rules.notWornGraceMin * 60_000, rules.dayHours, timeZone);
      timers.at(deviceId, deadline, () => {
        rec.raised = true;
        state.set(prefix + deviceId, rec);
        subscriber.next(wearerEvent(device, { siteId: site.id, ts: scheduler.now(), source: rec.source }, 'wearable.not_worn', 'raise', 'warning',
          { offSince: rec.since }));
      });
    };

    for (const [key, rec] of state.entries<OffWrist>(prefix)) {
      const deviceId = key.slice(prefix.length);
      offWrist.set(deviceId, rec);
      if (!rec.raised) arm(deviceId, rec);
    }

    const sub = readings.subscribe({
      next: (r) => {
        const worn = r.fields.worn;
        if (typeof worn !== 'boolean') return;
        const rec = offWrist.get(r.deviceId);
        if (worn && !rec) return; // on the wrist, as it was: the usual report, no device lookup
        const device = site.devices.get(r.deviceId);
        if (!device) return;
        if (!worn) {
          if (rec) return; // still off: the grace keeps its start
          const off: OffWrist = { since: scheduler.now(), raised: false, source: r.source };
          offWrist.set(r.deviceId, off);
          state.set(prefix + r.deviceId, off);
          arm(r.deviceId, off);
          return;
        }
        if (!rec) return;
        offWrist.delete(r.deviceId);
        state.delete(prefix + r.deviceId);
        timers.cancel(r.deviceId);
        if (rec.raised) subscriber.next(wearerEvent(device, r, 'wearable.not_worn', 'clear', 'warning'));
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
