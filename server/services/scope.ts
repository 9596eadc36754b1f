import type { RegionNode, Role } from '../../contract/index.ts';
import type { ScopeIndex } from './scope-index.ts';
import type { Grant } from './store/identity-store.ts';

/**
 * What a principal may see, decided here and nowhere else (DESIGN.md "scope is decided in one
 * place on the server and every route, filter and stream asks it"). A person or integration holds
 * a grant (region nodes, sites, or everything); a gateway serves the sites the registry assigns
 * it. Grants resolve to site sets through the current ScopeIndex, so a site added under a
 * district is in its call centre's scope, and its open streams', from the moment it commits.
 */

/** Sites in scope: a set, or a live view that answers from the current provisioning. */
export interface SiteScope {
  has(siteId: string): boolean;
  [Symbol.iterator](): Iterator<string>;
}

/** Who is calling, once their token or session is verified. */
export interface Principal {
  kind: 'user' | 'integration' | 'gateway';
  /** Username, integration name or gateway id. */
  name: string;
  role: Role;
  /** Sites in scope; `'all'` for a grant over everything. */
  sites: SiteScope | 'all';
  /** What the scope derives from (people and integrations; a gateway's comes from the registry). */
  grant?: Grant;
  /** A signed-in person's session: the SHA-256 of its token, and when it ends. */
  session?: { tokenLookup: string; expiresAt: number };
}

/** Roles that may acknowledge and resolve; the fire department reads only (CONTRACT.md roles). */
export const OPERATOR_ROLES: readonly Role[] = ['staff', 'callcentre', 'admin'];
/** Roles that may read alarms; gateways only deliver. */
export const READER_ROLES: readonly Role[] = ['staff', 'callcentre', 'firedept', 'admin'];
/** People's roles (a gateway is a machine only). */
export const PERSON_ROLES = ['staff', 'callcentre', 'firedept', 'admin'] as const;

/** The fire department sees fire events only (CONTRACT.md: "read-only coverage and fire events"). */
const FIRE_PREFIX = 'fire.';

export function canSeeSite(principal: Principal, siteId: string): boolean {
  return principal.sites === 'all' || principal.sites.has(siteId);
}

export function canSeeAlarm(principal: Principal, alarm: { siteId: string; kind: string }): boolean {
  if (principal.role === 'gateway') return false;
  if (principal.role === 'firedept' && !alarm.kind.startsWith(FIRE_PREFIX)) return false;
  return canSeeSite(principal, alarm.siteId);
}

/** The alarm filter of a reader: their sites, and for the fire department only fire kinds. */
export function alarmScope(principal: Principal): { sites: readonly string[] | 'all'; kindPrefix?: string } {
  const sites = principal.sites === 'all' ? 'all' : [...principal.sites];
  return principal.role === 'firedept' ? { sites, kindPrefix: FIRE_PREFIX } : { sites };
}

/** The grant of a person or integration with only a site list (provisioning files, staff of one care home). */
export function siteGrant(sites: readonly string[], regions: readonly string[] = []): Grant {
  return { all: false, regions: [...regions], sites: [...sites] };
}

export const ALL_GRANT: Grant = { all: true, regions: [], sites: [] };

/**
 * Holds the current ScopeIndex and answers every scope question against it. `refresh()` rebuilds
 * the index from the store after a provisioning change (the change bus calls it); until it
 * returns, questions are answered from the previous index.
 */
export class ScopeService {
  private index: ScopeIndex;
  private refreshing: Promise<void> | undefined;
  private again = false;

  constructor(initial: ScopeIndex, private readonly load: () => Promise<ScopeIndex>) {
    this.index = initial;
  }

  get current(): ScopeIndex {
    return this.index;
  }

  /** Rebuilds the index; calls made while one runs share a single rebuild after it. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.again = false;
          const next = await this.load();
          if (next.version >= this.index.version) this.index = next;
        } while (this.again);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** The live site scope of a grant. */
  sitesOf(grant: Grant): SiteScope | 'all' {
    if (grant.all) return 'all';
    if (grant.regions.length === 0) return new Set(grant.sites);
    return live(() => this.index.resolve(grant) as ReadonlySet<string>);
  }

  /** A gateway's live scope: the sites the registry assigns it, and any a provisioning file lists. */
  gatewaySites(gatewayId: string, fileSites: readonly string[] = []): SiteScope {
    const listed = new Set(fileSites);
    return {
      has: (siteId) => listed.has(siteId) || this.index.sitesOfGateway(gatewayId).has(siteId),
      [Symbol.iterator]: () => new Set([...listed, ...this.index.sitesOfGateway(gatewayId)])[Symbol.iterator](),
    };
  }

  /** Region nodes a principal may see: its nodes and all beneath, and the communities of its sites; parents first. */
  visibleRegions(principal: Principal): RegionNode[] {
    const { tree } = this.index;
    if (principal.role === 'gateway' || !principal.grant) return [];
    if (principal.grant.all) return tree.all();
    const ids = new Set<string>();
    for (const r of principal.grant.regions) for (const n of tree.subtree(r)) ids.add(n.id);
    for (const s of principal.grant.sites) {
      const regionId = this.index.site(s)?.regionId;
      if (regionId) ids.add(regionId);
    }
    return tree.all().filter((n) => ids.has(n.id));
  }

  /** True when the node is among those the principal may see (a filter on it narrows to its sites in scope). */
  canSeeRegion(principal: Principal, nodeId: string): boolean {
    if (!principal.grant || principal.role === 'gateway') return false;
    if (principal.grant.all) return this.index.tree.get(nodeId) !== undefined;
    return this.index.grantCoversRegion(principal.grant, nodeId) || this.visibleRegions(principal).some((n) => n.id === nodeId);
  }

  /** The principal seeing only the sites beneath `nodeId` (a `region=` filter); live like its scope. */
  narrowToRegion(principal: Principal, nodeId: string): Principal {
    const within = (siteId: string) => this.index.sitesUnder(nodeId).has(siteId);
    return {
      ...principal,
      sites: {
        has: (siteId) => within(siteId) && canSeeSite(principal, siteId),
        [Symbol.iterator]: () => [...this.index.sitesUnder(nodeId)].filter((id) => canSeeSite(principal, id))[Symbol.iterator](),
      },
    };
  }

  // ---- administration: an admin acts only within its own grant (issue 17: "admin scoped to a node too")

  /**
   * Why `principal` may not put region node `id` under `parentId` (or remove it), or undefined.
   * An admin's own root nodes may be renamed but not moved or removed: that would change its own scope.
   */
  regionRefusal(principal: Principal, id: string, change: { parentId: string | null } | 'remove'): string | undefined {
    const grant = principal.grant;
    if (!grant || principal.role !== 'admin') return `role ${principal.role} may not change the region tree`;
    if (grant.all) return undefined;
    const existing = this.index.tree.get(id);
    const within = (nodeId: string) => this.index.grantCoversRegion(grant, nodeId);
    if (existing && grant.regions.includes(id)) {
      return change !== 'remove' && change.parentId === existing.parentId ? undefined : `region ${id} is the root of your scope: it may be renamed, not moved or removed`;
    }
    if (existing && !within(id)) return `region ${id} is outside your scope`;
    if (change === 'remove') return existing ? undefined : `region ${id} is outside your scope`;
    if (change.parentId === null) return 'only an administrator over every region may add or change a city';
    return within(change.parentId) ? undefined : `region ${change.parentId} is outside your scope`;
  }

  /** Why `principal` may not administer a site in community `regionId` (and site `siteId` as it is now), or undefined. */
  siteRefusal(principal: Principal, regionId: string | undefined, siteId?: string): string | undefined {
    const grant = principal.grant;
    if (!grant || principal.role !== 'admin') return `role ${principal.role} may not administer sites`;
    if (grant.all) return undefined;
    if (siteId !== undefined && grant.sites.includes(siteId) && (regionId === undefined || regionId === this.index.site(siteId)?.regionId)) return undefined;
    if (regionId !== undefined && this.index.grantCoversRegion(grant, regionId)) return undefined;
    return siteId !== undefined ? `site ${siteId} is outside your scope` : `region ${regionId ?? '(none)'} is outside your scope`;
  }

  /** Why `principal` may not hand out `grant` (to a user or an integration), or undefined: never more than its own. */
  grantRefusal(principal: Principal, grant: Grant): string | undefined {
    const own = principal.grant;
    if (!own || principal.role !== 'admin') return `role ${principal.role} may not manage accounts`;
    if (own.all) return undefined;
    if (grant.all) return 'only an administrator over every region may grant every region';
    for (const r of grant.regions) if (!this.index.grantCoversRegion(own, r)) return `region ${r} is outside your scope`;
    const mine = this.index.resolve(own);
    for (const s of grant.sites) if (mine !== 'all' && !mine.has(s)) return `site ${s} is outside your scope`;
    return undefined;
  }
}

function live(resolve: () => ReadonlySet<string>): SiteScope {
  return {
    has: (siteId) => resolve().has(siteId),
    [Symbol.iterator]: () => resolve()[Symbol.iterator](),
  };
}
