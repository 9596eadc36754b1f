import type { SiteRules } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';

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
          wearable: { ...site.rules.wearable, ...overridden(own.wearable) },
          inactivity: { ...site.rules.inactivity, ...overridden(own.inactivity) },
          calls: { ...site.rules.calls, ...overridden(own.calls) },
        }
      : site.rules;
    perSite.set(residentId, merged);
  }
  return merged;
}

const cache = new WeakMap<SiteModel, Map<string, SiteRules>>();

/** The keys an override really sets (contract overrides carry no defaults; undefined = not set). */
function overridden<T extends object>(own: Partial<T> | undefined): Partial<T> {
  if (!own) return {};
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(own) as Array<[keyof T, T[keyof T]]>) if (v !== undefined) out[k] = v;
  return out;
}
