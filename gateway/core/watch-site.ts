import { type Observable, type SchedulerLike, filter, merge, share } from 'rxjs';
import type { Reading, StateReading } from '../../contract/index.ts';
import type { SiteModel } from '../site/model.ts';
import type { EventDraft } from './event-draft.ts';
import { raiseOnFlag } from './raise-on-flag.ts';

export interface WatchSiteOptions {
  site: SiteModel;
  /** Every timer and "now" of every rule comes from here (virtual time in tests). */
  scheduler: SchedulerLike;
}

/**
 * The rules of one site: readings in, event drafts out. Pure stream logic: no transport, no
 * clock but the scheduler, no I/O (DESIGN.md "Walls worth keeping").
 */
export function watchSite(readings: Observable<Reading>, opts: WatchSiteOptions): Observable<EventDraft> {
  const { site } = opts;
  const states = readings.pipe(filter((r): r is StateReading => r.type === 'state'), share());
  return merge(
    states.pipe(raiseOnFlag(site, { field: 'smoke', kind: 'fire.smoke', severity: 'critical' })),
  );
}
