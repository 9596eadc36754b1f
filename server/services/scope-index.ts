import type { RegionTree } from './region-tree.ts';
import type { Grant } from './store/identity-store.ts';
import type { SiteRef } from './store/registry-store.ts';

/**
 * Who may see which site, as of one provisioning version: the region tree, which community and
 * gateway each site belongs to, and the site sets grants resolve to (computed on first use, kept
 * until the next change replaces the whole index). Pure and immutable; ScopeService swaps it.
 */
export class ScopeIndex {
  private readonly sites = new Map<string, SiteRef>();
  private readonly byRegion = new Map<string, Set<string>>();
  private readonly byGateway = new Map<string, Set<string>>();
  private readonly underNode = new Map<string, ReadonlySet<string>>();
  private readonly resolved = new Map<string, ReadonlySet<string>>();

  constructor(readonly tree: RegionTree, sites: readonly SiteRef[], readonly version: number) {
    for (const site of sites) {
      this.sites.set(site.siteId, site);
      addTo(this.byRegion, site.regionId, site.siteId);
      addTo(this.byGateway, site.gatewayId, site.siteId);
    }
  }

  site(siteId: string): SiteRef | undefined {
    return this.sites.get(siteId);
  }

  allSites(): IterableIterator<SiteRef> {
    return this.sites.values();
  }

  /** Every registered site at or beneath the node. */
  sitesUnder(nodeId: string): ReadonlySet<string> {
    let set = this.underNode.get(nodeId);
    if (!set) {
      const out = new Set<string>();
      for (const node of this.tree.subtree(nodeId)) for (const siteId of this.byRegion.get(node.id) ?? []) out.add(siteId);
      set = out;
      this.underNode.set(nodeId, set);
    }
    return set;
  }

  sitesOfGateway(gatewayId: string): ReadonlySet<string> {
    return this.byGateway.get(gatewayId) ?? EMPTY;
  }

  /** The sites a grant names: its sites, and every site beneath its region nodes. */
  resolve(grant: Grant): ReadonlySet<string> | 'all' {
    if (grant.all) return 'all';
    if (grant.regions.length === 0) return new Set(grant.sites);
    const key = `${grant.regions.join('\0')}\u0001${grant.sites.join('\0')}`;
    let set = this.resolved.get(key);
    if (!set) {
      const out = new Set(grant.sites);
      for (const nodeId of grant.regions) for (const siteId of this.sitesUnder(nodeId)) out.add(siteId);
      set = out;
      this.resolved.set(key, set);
    }
    return set;
  }

  /** True when the node lies at or beneath one of the grant's nodes. */
  grantCoversRegion(grant: Grant, nodeId: string): boolean {
    return grant.all || grant.regions.some((r) => this.tree.isWithin(nodeId, r));
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}
