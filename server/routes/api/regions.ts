import type { FastifyInstance } from 'fastify';
import { RegionListResponse } from '../../../contract/index.ts';
import type { RegionRollup } from '../../../contract/index.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { READER_ROLES, alarmScope, canSeeSite } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf } from './guards.ts';

const ACTIVE = new Set(['active_unack', 'active_ack']);
/** Conditions that mean a home is not being watched right now. */
const SILENT_KINDS = new Set(['gateway.offline', 'device.offline']);
/** Open alarms read for the roll-ups: a city's worth many times over. */
const ROLLUP_LIMIT = 100_000;

/**
 * `GET /regions`: the region tree the caller may see, each node with its roll-ups (issue 17):
 * sites beneath it, open alarms, devices in trouble, homes silent — counted over the caller's
 * scope only, so a district call centre's city node counts its own district and nothing else.
 */
export default async function regionRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/regions', {
    onRequest: allowRoles(READER_ROLES, 'read the region tree (gateways only deliver events)'),
    schema: { response: { 200: RegionListResponse, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const principal = principalOf(request);
    const index = app.scope.current;
    const nodes = app.scope.visibleRegions(principal);
    const rollups = new Map<string, RegionRollup>(nodes.map((n) => [n.id, { sites: 0, openAlarms: 0, devicesInTrouble: 0, homesSilent: 0 }]));
    /** Adds to the node of `siteId` and every visible node above it. */
    const add = (siteId: string, field: keyof RegionRollup): void => {
      const regionId = index.site(siteId)?.regionId;
      if (!regionId) return;
      for (const id of index.tree.ancestry(regionId)) {
        const rollup = rollups.get(id);
        if (rollup) rollup[field] += 1;
      }
    };
    for (const site of index.allSites()) if (canSeeSite(principal, site.siteId)) add(site.siteId, 'sites');
    const scope = alarmScope(principal);
    const open = await app.store.read((tx) => tx.alarms.list({ ...scope, openOnly: true, limit: ROLLUP_LIMIT }));
    const troubled = new Set<string>();
    const silent = new Set<string>();
    for (const alarm of open) {
      add(alarm.siteId, 'openAlarms');
      if (!ACTIVE.has(alarm.status)) continue;
      if (alarm.kind.startsWith('device.') && alarm.deviceId && !troubled.has(`${alarm.siteId}\0${alarm.deviceId}`)) {
        troubled.add(`${alarm.siteId}\0${alarm.deviceId}`);
        add(alarm.siteId, 'devicesInTrouble');
      }
      if (SILENT_KINDS.has(alarm.kind) && index.site(alarm.siteId)?.kind === 'home' && !silent.has(alarm.siteId)) {
        silent.add(alarm.siteId);
        add(alarm.siteId, 'homesSilent');
      }
    }
    return { regions: nodes.map((n) => ({ ...n, rollup: rollups.get(n.id)! })) };
  });
}
