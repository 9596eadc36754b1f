import type { OperatorFunction, SchedulerLike } from 'rxjs';
import type { StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { holdThenRaise } from '../kit/hold-then-raise.ts';
import { DEFAULT_TIMEZONE, afterWindowTime } from '../kit/local-time.ts';
import { rulesFor } from '../kit/resident-rules.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';
import { wearerEvent } from './wearer-event.ts';

export interface NotWornOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
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
export function raiseNotWorn(opts: NotWornOptions): OperatorFunction<StateReading, EventDraft> {
  const { site } = opts;
  const timeZone = site.file.site.timezone ?? DEFAULT_TIMEZONE;
  return holdThenRaise({
    site, scheduler: opts.scheduler, state: opts.state,
    prefix: 'notworn:',
    // The condition is "off the wrist".
    condition: (r) => (typeof r.fields.worn === 'boolean' ? !r.fields.worn : undefined),
    deadline: (device, held) => {
      const rules = rulesFor(site, device.residentId).wearable;
      return afterWindowTime(held.since, rules.notWornGraceMin * 60_000, rules.dayHours, timeZone);
    },
    raise: (device, held, now) => wearerEvent(device, { siteId: site.id, ts: now, source: held.source }, 'wearable.not_worn', 'raise', 'warning',
      { offSince: held.since }),
    clear: (device, r) => wearerEvent(device, r, 'wearable.not_worn', 'clear', 'warning'),
  });
}
