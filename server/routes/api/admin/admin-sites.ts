import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  DevicePutBody, OkResponse, SheetQuery, SiteChangeResponse, SiteDeviceParams, SiteListResponse, SiteParams, SitePutBody, SiteSummary,
} from '../../../../contract/index.ts';
import { badRequest, notFound } from '../../../http-error.ts';
import type { ZodTypeProvider } from '../../../plugins/external/zod-compiler.ts';
import { buildSheet, sheetCsv, sheetHtml } from '../../../services/registry/installer-sheet.ts';
import type { IssuedSecret, SiteAuthority } from '../../../services/registry/site-registry.ts';
import { canSeeSite } from '../../../services/scope.ts';
import { ErrorBody, principalOf } from '../guards.ts';
import { actorOf } from './actor.ts';

const SheetParams = SheetQuery.extend({ lang: z.enum(['zh', 'en']).default('zh') });

/**
 * Sites and their devices. A site is put whole (its document, contract `SiteFile`) or a device at
 * a time; new native devices and hubs get MQTT secrets, returned once and printable on the
 * installer's sheet. The gateway serving the site pulls the change (`GET /gateway/config`).
 */
export default async function siteRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const errors = { '4xx': ErrorBody, '5xx': ErrorBody };
  const authority = (request: FastifyRequest): SiteAuthority => {
    const principal = principalOf(request);
    return (regionId, existing) => app.scope.siteRefusal(principal, regionId, existing?.siteId);
  };

  app.get('/sites', { schema: { response: { 200: SiteListResponse, ...errors } } }, async (request) => {
    const principal = principalOf(request);
    const sites = [...app.scope.current.allSites()].filter((s) => canSeeSite(principal, s.siteId));
    return { sites: sites.map(({ siteId, regionId, gatewayId, kind, version, updatedAt }) => ({ siteId, regionId, gatewayId, kind, version, updatedAt })) };
  });

  app.get('/sites/:siteId', {
    schema: { params: SiteParams, response: { 200: SiteSummary.extend({ document: z.unknown() }), ...errors } },
  }, async (request) => {
    const principal = principalOf(request);
    const { siteId } = request.params;
    const ref = app.scope.current.site(siteId);
    const doc = ref && canSeeSite(principal, siteId) ? await app.sites.document(siteId) : undefined;
    if (!ref || !doc) throw notFound(`no site ${siteId} in your scope`);
    // The document holds residents' personal fields: the view is recorded (PIPL art. 28).
    await app.residents.recordViews(principal, request.ip, siteId, doc.residents.map((r) => r.id), 'admin: site document');
    const { regionId, gatewayId, kind, version, updatedAt } = ref;
    return { siteId, regionId, gatewayId, kind, version, updatedAt, document: doc };
  });

  app.put('/sites/:siteId', {
    schema: { params: SiteParams, body: SitePutBody, response: { 200: SiteChangeResponse, ...errors } },
  }, async (request) => {
    return app.sites.putSite(actorOf(request), { siteId: request.params.siteId, gatewayId: request.body.gatewayId, document: request.body.document }, authority(request));
  });

  app.delete('/sites/:siteId', { schema: { params: SiteParams, response: { 200: OkResponse, ...errors } } }, async (request) => {
    const { version } = await app.sites.removeSite(actorOf(request), request.params.siteId, authority(request));
    return { ok: true as const, version };
  });

  app.put('/sites/:siteId/devices/:deviceId', {
    schema: { params: SiteDeviceParams, body: DevicePutBody, response: { 200: SiteChangeResponse, ...errors } },
  }, async (request) => {
    const { siteId, deviceId } = request.params;
    if (request.body.id !== deviceId) throw badRequest(`body.id: "${request.body.id}" is not the device being put (${deviceId})`);
    return app.sites.putDevice(actorOf(request), siteId, request.body, authority(request));
  });

  app.delete('/sites/:siteId/devices/:deviceId', {
    schema: { params: SiteDeviceParams, response: { 200: SiteChangeResponse, ...errors } },
  }, async (request) => {
    const { siteId, deviceId } = request.params;
    return app.sites.removeDevice(actorOf(request), siteId, deviceId, authority(request));
  });

  /** The installer's sheet without secrets (where each device goes, its address, its login name). */
  app.get('/sites/:siteId/sheet', { schema: { params: SiteParams, querystring: SheetParams } }, async (request, reply) => {
    return sendSheet(request, reply, request.params.siteId, [], request.query);
  });

  /** New MQTT secrets for every device and hub of the site (the old ones stop at once), on the sheet. */
  app.post('/sites/:siteId/sheet', { schema: { params: SiteParams, querystring: SheetParams } }, async (request, reply) => {
    const change = await app.sites.issueCredentials(actorOf(request), request.params.siteId, authority(request));
    return sendSheet(request, reply, request.params.siteId, change.issued, request.query);
  });

  async function sendSheet(request: FastifyRequest, reply: FastifyReply, siteId: string, issued: readonly IssuedSecret[], query: z.infer<typeof SheetParams>) {
    const principal = principalOf(request);
    const record = canSeeSite(principal, siteId) ? await app.store.read((tx) => tx.registry.getSite(siteId)) : undefined;
    if (!record) throw notFound(`no site ${siteId} in your scope`);
    const doc = app.sites.open(record);
    const worn = doc.devices.flatMap((d) => (d.residentId ? [d.residentId] : []));
    await app.residents.recordViews(principal, request.ip, siteId, [...new Set(worn)], 'admin: installer sheet');
    const sheet = buildSheet(doc, record.gatewayId, record.credentials, issued, Date.now());
    reply.header('Cache-Control', 'no-store');
    if (query.format === 'csv') return reply.type('text/csv; charset=utf-8').header('Content-Disposition', `attachment; filename="${siteId}-sheet.csv"`).send(sheetCsv(sheet));
    if (query.format === 'html') return reply.type('text/html; charset=utf-8').send(sheetHtml(sheet, query.lang));
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(sheet));
  }
}
