import type { CoverageReport, RegionCoverage, SiteCoverageSummary } from '../../../contract/index.ts';
import type { HistoryStore } from '../history/types.ts';
import type { SiteRegistry } from '../registry/site-registry.ts';
import type { ServerStore } from '../store/types.ts';
import { auditSite } from './audit-site.ts';

export interface CoverageServiceOptions {
  store: ServerStore;
  sites: SiteRegistry;
  history: HistoryStore;
}

/**
 * Coverage audits of sites and region nodes (issue 19), now or at any past moment, from the
 * registry's site documents and the history's device status. Scope is the caller's business
 * (routes ask the scope service which sites to pass); this answers for the sites it is given.
 */
export class CoverageService {
  constructor(private readonly opts: CoverageServiceOptions) {}

  /** The site's audit, or undefined when the registry has no such site. */
  async site(siteId: string, at: number): Promise<CoverageReport | undefined> {
    const record = await this.opts.store.read((tx) => tx.registry.getSite(siteId));
    if (!record) return undefined;
    const snapshots = await this.opts.history.statusAt([siteId], at);
    return auditSite(this.opts.sites.open(record), snapshots, at, record.regionId);
  }

  /** Audits of many sites at once (a region): one history query for all, worst coverage first. */
  async region(regionId: string, siteIds: readonly string[], at: number): Promise<RegionCoverage> {
    const records = await this.opts.store.read((tx) => Promise.all(siteIds.map((id) => tx.registry.getSite(id))));
    const present = records.filter((r) => r !== undefined);
    const snapshots = await this.opts.history.statusAt(present.map((r) => r.siteId), at);
    const bySite = new Map<string, typeof snapshots>();
    for (const s of snapshots) bySite.set(s.siteId, [...(bySite.get(s.siteId) ?? []), s]);
    const sites: SiteCoverageSummary[] = present.map((record) => {
      const report = auditSite(this.opts.sites.open(record), bySite.get(record.siteId) ?? [], at, record.regionId);
      return {
        siteId: report.siteId, siteName: report.siteName, regionId: report.regionId,
        required: report.required, covered: report.covered, percent: report.percent, gaps: report.required - report.covered,
      };
    });
    // Worst first: the officer's list starts where the risk is; ties by most gaps, then id.
    sites.sort((a, b) => a.percent - b.percent || b.gaps - a.gaps || a.siteId.localeCompare(b.siteId));
    const required = sites.reduce((n, s) => n + s.required, 0);
    const covered = sites.reduce((n, s) => n + s.covered, 0);
    return {
      regionId, at: new Date(at).toISOString(), required, covered,
      percent: required === 0 ? 100 : Math.round((covered / required) * 1000) / 10,
      sites,
    };
  }
}
