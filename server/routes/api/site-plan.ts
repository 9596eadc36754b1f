import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SiteId, SitePlan, SitePlanList } from '../../../contract/index.ts';
import type { SiteFile } from '../../../contract/index.ts';
import { notFound } from '../../http-error.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { READER_ROLES, canSeeSite } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf, requireSite } from './guards.ts';

/** Roles that see residents' names on the plan; the fire department sees rooms and devices only (PIPL art. 6). */
const SEES_RESIDENTS = new Set(['staff', 'callcentre', 'admin']);

/**
 * `GET /site-plans`: the sites in the caller's scope that have a plan (name, kind, time zone).
 * `GET /sites/:siteId/plan` (contract `SitePlan`): the consoles' map of a site. Residents' names are
 * personal data: each plan that shows them records one `resident.viewed` entry per resident.
 */
export default async function sitePlanRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/site-plans', {
    onRequest: allowRoles(READER_ROLES, 'read site plans (gateways only deliver events)'),
    schema: { response: { 200: SitePlanList, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const principal = principalOf(request);
    const sites = [...app.scope.current.allSites()].filter((s) => canSeeSite(principal, s.siteId));
    const listed = await Promise.all(sites.map(async (s) => {
      const doc = await app.sites.document(s.siteId);
      return doc ? { siteId: s.siteId, name: doc.site.name, kind: doc.site.kind, timezone: doc.site.timezone } : null;
    }));
    return { sites: listed.filter((s) => s !== null) };
  });

  app.get('/sites/:siteId/plan', {
    onRequest: allowRoles(READER_ROLES, 'read site plans (gateways only deliver events)'),
    schema: { params: z.object({ siteId: SiteId }), response: { 200: SitePlan, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const { siteId } = request.params;
    requireSite(request, siteId);
    const doc = await app.sites.document(siteId);
    if (!doc) throw notFound(`site ${siteId} has no plan on the server yet (provision its site file)`);
    const principal = principalOf(request);
    const residents = SEES_RESIDENTS.has(principal.role) ? doc.residents : [];
    await app.residents.recordViews(principal, request.ip, siteId, residents.map((r) => r.id), 'console: site plan');
    return planOf(doc, residents);
  });
}

function planOf(doc: SiteFile, residents: SiteFile['residents']): SitePlan {
  return {
    siteId: doc.site.id,
    name: doc.site.name,
    kind: doc.site.kind,
    timezone: doc.site.timezone,
    floors: doc.buildings.flatMap((b) => b.floors.map((f) => ({
      id: f.id, name: f.name, building: b.name, level: f.level,
      rooms: f.rooms.map((r) => ({ id: r.id, name: r.name, type: r.type })),
    }))),
    devices: doc.devices.map((d) => ({ id: d.id, profile: d.profile, name: d.name ?? null, roomId: d.roomId ?? null, residentId: d.residentId ?? null })),
    residents: residents.map((r) => ({ id: r.id, name: r.name, roomId: r.roomId })),
  };
}
