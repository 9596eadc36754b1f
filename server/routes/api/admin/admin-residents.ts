import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Alarm, ErasureBody, OkResponse, Resident, ResidentParams } from '../../../../contract/index.ts';
import type { ZodTypeProvider } from '../../../plugins/external/zod-compiler.ts';
import { ResidentRights } from '../../../services/privacy/resident-rights.ts';
import type { SiteAuthority } from '../../../services/registry/site-registry.ts';
import { ErrorBody, principalOf } from '../guards.ts';
import { actorOf } from './actor.ts';

const ResidentExportBody = z.object({
  siteId: z.string(),
  resident: Resident,
  devices: z.array(z.object({ id: z.string(), profile: z.string(), transport: z.string() })),
  alarms: z.array(Alarm),
});

/** One resident's export and erasure (PIPL art. 45, 47): administrators of the site, audited. */
export default async function residentRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const errors = { '4xx': ErrorBody, '5xx': ErrorBody };
  const rights = new ResidentRights({ store: app.store, sites: app.sites, clock: Date.now });
  const authority = (request: FastifyRequest): SiteAuthority => {
    const principal = principalOf(request);
    return (regionId, existing) => app.scope.siteRefusal(principal, regionId, existing?.siteId);
  };

  app.get('/sites/:siteId/residents/:residentId/export', {
    schema: { params: ResidentParams, response: { 200: ResidentExportBody, ...errors } },
  }, async (request) => {
    const { siteId, residentId } = request.params;
    return rights.export(actorOf(request), siteId, residentId, authority(request));
  });

  app.delete('/sites/:siteId/residents/:residentId', {
    schema: { params: ResidentParams, body: ErasureBody, response: { 200: OkResponse, ...errors } },
  }, async (request) => {
    const { siteId, residentId } = request.params;
    const { version } = await rights.erase(actorOf(request), siteId, residentId, request.body.reason, authority(request));
    return { ok: true as const, version };
  });
}
