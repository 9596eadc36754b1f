import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HeartbeatRequest, HeartbeatResponse, IngestRequest, IngestResponse, sitesDigest } from '../../../contract/index.ts';
import { ingestEvents } from '../../services/ingest-events.ts';
import { forbidden } from '../../http-error.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { allowRoles, ErrorBody, principalOf, requireSite } from './guards.ts';

/** 500 events with details can exceed fastify's 1 MiB default. */
const INGEST_BODY_LIMIT = 8 * 1024 * 1024;

export default async function ingestRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const gatewayOnly = allowRoles(['gateway'], 'deliver events (gateways only)');

  app.post('/ingest', {
    bodyLimit: INGEST_BODY_LIMIT,
    onRequest: gatewayOnly,
    schema: { body: IngestRequest, response: { 200: IngestResponse, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request, reply) => {
    const gateway = principalOf(request);
    requireGatewayId(request.body.gatewayId, gateway.name, request);
    return ingestEvents(app, gateway, request.body.events, request.ip, request.log, () => reply.elapsedTime);
  });

  app.post('/ingest/heartbeat', {
    onRequest: gatewayOnly,
    schema: { body: HeartbeatRequest, response: { 200: HeartbeatResponse, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const gateway = principalOf(request);
    requireGatewayId(request.body.gatewayId, gateway.name, request);
    const { siteIds: sent, sitesDigest: digest, ...rest } = request.body;
    if (sent === undefined) {
      const { serverTime, needSites } = await app.gatewayWatch.heartbeat({ ...rest, sitesDigest: digest! });
      return { status: 'ok' as const, serverTime, ...(needSites ? { needSites } : {}) };
    }
    for (const siteId of sent) {
      requireSite(request, siteId, `site ${siteId} is not served by gateway ${gateway.name}`);
    }
    // A heartbeat naming no sites stands for all the gateway is provisioned for. The digest is of
    // the list as sent: that is what the gateway names next time.
    const siteIds = sent.length > 0 ? sent : [...(gateway.sites === 'all' ? [] : gateway.sites)];
    const { serverTime } = await app.gatewayWatch.heartbeat({ ...rest, siteIds, sitesDigest: sitesDigest(sent) });
    return { status: 'ok' as const, serverTime };
  });
}

export function requireGatewayId(claimed: string, actual: string, request: FastifyRequest): void {
  if (claimed === actual) return;
  request.server.metrics.authFailures.inc({ reason: 'scope' });
  throw forbidden(`this token belongs to gateway ${actual}, not ${claimed}`);
}
