import { type Observable, type OperatorFunction, type SchedulerLike, defer, from, merge } from 'rxjs';
import { NONE, emitEach } from '../kit/emit-each.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';
import type { ResidentIndex } from './resident-sensors.ts';
import type { Activity } from './to-activity.ts';

/** A living-alone resident went out (`away: true`) or is back home. */
export interface HomePresence {
  type: 'home';
  residentId: string;
  away: boolean;
  at: number;
}

export interface TrackHomePresenceOptions {
  index: ResidentIndex;
  scheduler: SchedulerLike;
  state: RuleStateStore;
  /** The site's periodic sweep (one per site, not a timer per resident). */
  sweep: Observable<unknown>;
}

/** Stored as `home:{residentId}`; absent = at home, no door pending. */
interface HomeRecord {
  away: boolean;
  /** The home door closed (after opening) at this time; gone out if nothing moves inside by then + awayAfterDoorMin. */
  doorClosedAt?: number;
}

const KEY = 'home:';

/**
 * Living-alone watch (issue 11): the home door opening and closing, then no presence or motion
 * inside for `awayAfterDoorMin`, means the resident went out — reported so the no-activity rule
 * suspends instead of raising. Any movement inside (motion, presence, bed) means home again:
 * a missed door report must never leave a resident at home unwatched. A wearable's steps go
 * out with the person, so they prove nothing about home.
 *
 * On subscribe it first emits `away: true` for every resident stored as away (restart safety).
 */
export function trackHomePresence(opts: TrackHomePresenceOptions): OperatorFunction<Activity, HomePresence> {
  const { index, scheduler, state, sweep } = opts;
  // Most sites (care homes) watch nobody living alone: then activity needs no look at all.
  const anyLivingAlone = [...index.residents.values()].some((w) => w.livingAlone);
  return (activity) => defer(() => {
    const homes = new Map<string, HomeRecord>();
    for (const [key, rec] of state.entries<HomeRecord>(KEY)) homes.set(key.slice(KEY.length), rec);
    const restored = [...homes].filter(([, r]) => r.away)
      .map(([residentId]): HomePresence => ({ type: 'home', residentId, away: true, at: scheduler.now() }));

    const save = (id: string, rec: HomeRecord) => {
      if (!rec.away && rec.doorClosedAt === undefined) {
        homes.delete(id);
        state.delete(KEY + id);
      } else {
        homes.set(id, rec);
        state.set(KEY + id, rec);
      }
    };

    const onActivity = (a: Activity): readonly HomePresence[] => {
      if (!a.changed || !anyLivingAlone) return NONE;
      const out: HomePresence[] = [];
      for (const id of a.residentIds) {
        const watch = index.residents.get(id);
        if (!watch?.livingAlone) continue;
        const rec = homes.get(id) ?? { away: false };
        if (a.signal === 'door_closed' && watch.homeDoors.has(a.device.id)) {
          save(id, { ...rec, doorClosedAt: a.at });
        } else if (a.indoor && !a.signal.startsWith('door_')) {
          if (rec.away) out.push({ type: 'home', residentId: id, away: false, at: a.at });
          if (rec.away || rec.doorClosedAt !== undefined) save(id, { away: false });
        }
      }
      return out;
    };

    const onSweep = (): readonly HomePresence[] => {
      const now = scheduler.now();
      const out: HomePresence[] = [];
      for (const [id, rec] of homes) {
        if (rec.doorClosedAt === undefined) continue;
        const watch = index.residents.get(id);
        if (!watch) continue;
        if (now - rec.doorClosedAt < watch.rules.awayAfterDoorMin * 60_000) continue;
        if (!rec.away) out.push({ type: 'home', residentId: id, away: true, at: now });
        save(id, { away: true });
      }
      return out;
    };

    return merge(from(restored), activity.pipe(emitEach(onActivity)), sweep.pipe(emitEach(onSweep)));
  });
}
