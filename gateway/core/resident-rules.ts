import { CallRules, InactivityRules, type SiteRules, WearableRules } from '../../contract/index.ts';
import type { SiteModel } from '../site/model.ts';

/**
 * The rules that apply to one resident: the resident's overrides (`residents[].rules`) merged
 * section by section over the site's (contract/site-rules.ts). Without a resident, the site's.
 * Cached per site model (models are immutable; a changed file builds a new one).
 */
export function rulesFor(site: SiteModel, residentId: string | undefined): SiteRules {
  if (residentId === undefined) return site.rules;
  let perSite = cache.get(site);
  if (!perSite) {
    perSite = new Map();
    cache.set(site, perSite);
  }
  let merged = perSite.get(residentId);
  if (!merged) {
    const own = site.residents.get(residentId)?.rules;
    merged = own
      ? {
          ...site.rules,
          wearable: { ...site.rules.wearable, ...overridden(own.wearable, DEFAULTS.wearable) },
          inactivity: { ...site.rules.inactivity, ...overridden(own.inactivity, DEFAULTS.inactivity) },
          calls: { ...site.rules.calls, ...overridden(own.calls, DEFAULTS.calls) },
        }
      : site.rules;
    perSite.set(residentId, merged);
  }
  return merged;
}

const cache = new WeakMap<SiteModel, Map<string, SiteRules>>();

const DEFAULTS = {
  wearable: WearableRules.parse({}),
  inactivity: InactivityRules.parse({}),
  calls: CallRules.parse({}),
};

/**
 * The values a resident really overrides. zod 4's `.partial()` still fills a field's default, so a
 * parsed override of one threshold carries every other one at its default; those must not mask
 * the site's values. (Side effect: a resident setting a value equal to the product default while
 * the site differs keeps the site's; the contract fix is a ResidentRules without defaults.)
 */
function overridden<T extends object>(own: Partial<T> | undefined, defaults: T): Partial<T> {
  if (!own) return {};
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(own) as Array<[keyof T, T[keyof T]]>) {
    if (v !== undefined && JSON.stringify(v) !== JSON.stringify(defaults[k])) out[k] = v;
  }
  return out;
}
