import { RegionNode } from '../../../contract/index.ts';
import { badRequest, conflict, notFound } from '../../http-error.ts';
import type { PersonalDataSealer } from '../privacy/sealer.ts';
import { RegionTree } from '../region-tree.ts';
import type { ServerStore } from '../store/types.ts';
import { auditProvisioning } from './provisioning-change.ts';
import type { Actor, ProvisioningChange } from './provisioning-change.ts';
import { sealContext } from './site-registry.ts';
import type { SiteFile } from '../../../contract/index.ts';

/** Why the caller may not put (or remove) region node `id`, or undefined. */
export type RegionAuthority = (id: string, change: { parentId: string | null } | 'remove') => string | undefined;

export interface RegionServiceOptions {
  store: ServerStore;
  sealer: PersonalDataSealer;
  clock: () => number;
  committed: (change: ProvisioningChange) => Promise<void>;
}

/**
 * Changes to the region tree (JGJ/T 484-2019 3.0.3). A site document names its region by the
 * names of its city, district, street and community, so renaming or moving a node rewrites the
 * region path of every site beneath it, and their gateways pull the new documents.
 */
export class RegionService {
  constructor(private readonly opts: RegionServiceOptions) {}

  async tree(): Promise<RegionTree> {
    return new RegionTree(await this.opts.store.read((tx) => tx.registry.regions()));
  }

  async put(actor: Actor, input: RegionNode, authorize: RegionAuthority): Promise<{ node: RegionNode; created: boolean; version: number; sitesRewritten: number }> {
    const node = RegionNode.parse(input);
    const at = this.opts.clock();
    const result = await this.opts.store.write(async (tx) => {
      const tree = new RegionTree(await tx.registry.regions());
      const existing = tree.get(node.id);
      const refusal = authorize(node.id, { parentId: node.parentId });
      if (refusal) throw existing ? notFound(`no region ${node.id} in your scope`) : badRequest(refusal);
      const problems = tree.problemsWith(node);
      if (problems.length > 0) throw badRequest(problems.join('; '));
      await tx.registry.putRegion(node);
      const version = await tx.registry.nextVersion();
      const gateways = new Set<string>();
      let sitesRewritten = 0;
      if (existing && (existing.name !== node.name || existing.parentId !== node.parentId)) {
        // Every site beneath now has another region path: rewrite their documents.
        const after = new RegionTree(await tx.registry.regions());
        const beneath = new Set(after.subtree(node.id).map((n) => n.id));
        for (const ref of (await tx.registry.siteRefs()).filter((s) => beneath.has(s.regionId))) {
          const record = (await tx.registry.getSite(ref.siteId))!;
          const doc = JSON.parse(this.opts.sealer.open(record.sealedDocument, sealContext(ref.siteId))) as SiteFile;
          const region = after.pathOf(ref.regionId);
          if (!region) continue;
          doc.site.region = region;
          await tx.registry.putSite({ ...record, version, updatedAt: at, sealedDocument: this.opts.sealer.seal(JSON.stringify(doc), sealContext(ref.siteId)) });
          await tx.registry.logConfigChange({ gatewayId: ref.gatewayId, siteId: ref.siteId, version });
          gateways.add(ref.gatewayId);
          sitesRewritten += 1;
        }
      }
      await auditProvisioning(tx, at, actor, { what: 'region', op: existing ? 'change' : 'add', region: node.id, version, sitesRewritten });
      return { node, created: !existing, version, sitesRewritten, gateways: [...gateways] };
    });
    await this.opts.committed({ version: result.version, what: 'regions', gateways: result.gateways, accounts: [] });
    return { node: result.node, created: result.created, version: result.version, sitesRewritten: result.sitesRewritten };
  }

  /** Removes a node that has no nodes and no sites beneath it. */
  async remove(actor: Actor, id: string, authorize: RegionAuthority): Promise<{ version: number }> {
    const at = this.opts.clock();
    const version = await this.opts.store.write(async (tx) => {
      const tree = new RegionTree(await tx.registry.regions());
      if (!tree.get(id) || authorize(id, 'remove')) throw notFound(`no region ${id} in your scope`);
      if (tree.children(id).length > 0) throw conflict(`region ${id} has regions beneath it: remove or move them first`);
      const sites = (await tx.registry.siteRefs()).filter((s) => s.regionId === id).length;
      if (sites > 0) throw conflict(`region ${id} has ${sites} site(s): remove or move them first`);
      await tx.registry.removeRegion(id);
      const v = await tx.registry.nextVersion();
      await auditProvisioning(tx, at, actor, { what: 'region', op: 'remove', region: id, version: v });
      return v;
    });
    await this.opts.committed({ version, what: 'regions', gateways: [], accounts: [] });
    return { version };
  }
}
