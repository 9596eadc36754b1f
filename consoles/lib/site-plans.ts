// Site plans (contract SitePlan), fetched once per site and shared by every view. A site the
// server holds no plan for is shown by its ids: the console never hides an alarm for want of a name.
import type { SitePlan } from '../../contract/index.ts';
import { getJson } from './api.ts';

const plans = new Map<string, SitePlan | null>();
const pending = new Set<string>();
const listeners = new Set<() => void>();
/** Counts plans arrived (or found missing): a view drawn from the plans is stale when it moved. */
let version = 0;

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export function planOf(siteId: string): SitePlan | null | undefined {
  if (!plans.has(siteId) && !pending.has(siteId)) {
    pending.add(siteId);
    getJson<SitePlan>(`/sites/${encodeURIComponent(siteId)}/plan`)
      .then((plan) => plans.set(siteId, plan))
      .catch(() => plans.set(siteId, null)) // no plan (404) or no right to it: ids are shown instead
      .finally(() => {
        pending.delete(siteId);
        version += 1;
        for (const listener of listeners) listener();
      });
  }
  return plans.get(siteId);
}

export function plansVersion(): number {
  return version;
}

export function onPlans(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function timeZoneOf(siteId: string): string {
  return planOf(siteId)?.timezone ?? DEFAULT_TIME_ZONE;
}

/** Room and floor names for an alarm's room, or its id. */
export function placeOf(siteId: string, roomId: string | null): { site: string; room: string; floor: string | null } {
  const plan = planOf(siteId);
  const site = plan?.name ?? siteId;
  if (!roomId) return { site, room: '—', floor: null };
  for (const floor of plan?.floors ?? []) {
    const room = floor.rooms.find((r) => r.id === roomId);
    if (room) return { site, room: room.name, floor: floor.name };
  }
  return { site, room: roomId, floor: null };
}

export function residentName(siteId: string, residentId: string | null): string | null {
  if (!residentId) return null;
  return planOf(siteId)?.residents.find((r) => r.id === residentId)?.name ?? residentId;
}
