import type { Resident } from '../../../contract/index.ts';
import type { SiteRegistry } from '../registry/site-registry.ts';
import { canSeeSite } from '../scope.ts';
import type { Principal } from '../scope.ts';
import type { ServerStore } from '../store/types.ts';

/**
 * Residents' personal fields (name, care notes, contacts) behind one door: each read opens the
 * sealed site document and writes a `resident.viewed` record (who viewed whom, when, from where,
 * why) before anything is returned, so no view goes unrecorded (PIPL art. 28: health data and
 * the data of the elderly are sensitive). The resident card, exports and installer sheets read here.
 */
export class ResidentDirectory {
  constructor(private readonly opts: { store: ServerStore; sites: SiteRegistry; clock: () => number }) {}

  /** The resident, or undefined when there is none in the viewer's scope (out of scope looks absent). */
  async view(viewer: Principal, from: string | null, siteId: string, residentId: string, purpose: string): Promise<Resident | undefined> {
    if (!canSeeSite(viewer, siteId) || viewer.role === 'gateway') return undefined;
    const resident = (await this.opts.sites.document(siteId))?.residents.find((r) => r.id === residentId);
    if (!resident) return undefined;
    await this.recordViews(viewer, from, siteId, [residentId], purpose);
    return resident;
  }

  /** Records that `viewer` saw these residents' personal data (one audit record each). */
  async recordViews(viewer: Principal, from: string | null, siteId: string, residentIds: readonly string[], purpose: string): Promise<void> {
    if (residentIds.length === 0) return;
    const at = this.opts.clock();
    await this.opts.store.write(async (tx) => {
      for (const residentId of residentIds) {
        await tx.audit.append({ at, actor: viewer.name, from, action: 'resident.viewed', siteId, alarmId: null, residentId, details: { purpose } });
      }
    });
  }
}
