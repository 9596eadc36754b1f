import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CoverageQuery, CoverageReport, RegionCoverage, RegionId, SiteId } from '../../../contract/index.ts';
import { notFound } from '../../http-error.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { coverageCsv } from '../../services/coverage/coverage-csv.ts';
import { coverageHtml } from '../../services/coverage/coverage-html.ts';
import { CoverageService } from '../../services/coverage/coverage-service.ts';
import { canSeeSite, READER_ROLES } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf, requireRegion, requireSite } from './guards.ts';

const SiteParams = z.object({ siteId: SiteId });

/**
 * The coverage audit (issue 19): `GET /sites/{id}/coverage[.csv|.html]?at=` and the region
 * roll-up `GET /regions/{id}/coverage?at=`, worst first. Read-only for every reader role: the
 * fire department reads and changes nothing. Rooms and devices only; no resident's name is shown.
 */
export default async function coverageRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const coverage = new CoverageService({ store: app.store, sites: app.sites, history: app.history.store });
  const readers = allowRoles(READER_ROLES, 'read coverage');

  const report = async (request: FastifyRequest, siteId: string, at: string | undefined): Promise<CoverageReport> => {
    requireSite(request, siteId);
    const found = await coverage.site(siteId, at ? Date.parse(at) : app.history.now());
    if (!found) throw notFound(`site ${siteId} is not registered on this server (coverage needs its rooms and devices)`);
    return found;
  };

  app.get('/sites/:siteId/coverage', {
    onRequest: readers,
    schema: { params: SiteParams, querystring: CoverageQuery, response: { 200: CoverageReport, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => report(request, request.params.siteId, request.query.at));

  app.get('/sites/:siteId/coverage.csv', {
    onRequest: readers,
    schema: { params: SiteParams, querystring: CoverageQuery },
  }, async (request, reply) => {
    const r = await report(request, request.params.siteId, request.query.at);
    const day = r.at.slice(0, 10);
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="coverage-${r.siteId}-${day}.csv"`)
      .send(coverageCsv(r, request.query.lang));
  });

  app.get('/sites/:siteId/coverage.html', {
    onRequest: readers,
    schema: { params: SiteParams, querystring: CoverageQuery },
  }, async (request, reply) => {
    const r = await report(request, request.params.siteId, request.query.at);
    return reply.type('text/html; charset=utf-8').send(coverageHtml(r, request.query.lang));
  });

  app.get('/regions/:regionId/coverage', {
    onRequest: readers,
    schema: { params: z.object({ regionId: RegionId }), querystring: CoverageQuery, response: { 200: RegionCoverage, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const { regionId } = request.params;
    requireRegion(request, regionId);
    const principal = principalOf(request);
    const siteIds = [...app.scope.current.sitesUnder(regionId)].filter((id) => canSeeSite(principal, id));
    return coverage.region(regionId, siteIds, request.query.at ? Date.parse(request.query.at) : app.history.now());
  });
}
