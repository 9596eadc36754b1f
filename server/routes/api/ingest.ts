import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Event, HeartbeatRequest, HeartbeatResponse, IngestRequest, IngestResponse, sitesDigest } from '../../../contract/index.ts';
import type { IngestRefusal } from '../../../contract/index.ts';
import { formatIssues } from '../../plugins/external/zod-compiler.ts';
import { canSeeSite } from '../../services/scope.ts';
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
    // Each event on its own: one the gateway may not send (a home hot-added on the gateway and not
    // provisioned here yet) or this server cannot read is refused with its reason, the others are
    // stored. A refused event must never hold back a fire alarm behind it in the same lane.
    const accepted: Event[] = [];
    const refused: IngestRefusal[] = [];
    for (const raw of request.body.events) {
      const parsed = Event.safeParse(raw);
      if (!parsed.success) {
        refused.push({ id: raw.id, code: 'invalid', reason: formatIssues(`event ${raw.id}`, parsed.error) });
      } else if (!canSeeSite(gateway, parsed.data.siteId)) {
        refused.push({ id: raw.id, code: 'site_not_served', reason: `site ${parsed.data.siteId} is not served by gateway ${gateway.name}` });
      } else {
        accepted.push(parsed.data);
      }
    }
    const lifeSafety = accepted.some((e) => e.lane === 'life_safety');
    const parsedAt = reply.elapsedTime;
    const outcome = accepted.length > 0 ? await app.alarms.ingest(gateway.name, accepted, request.ip) : { stored: [], newEvents: 0, duplicates: 0 };
    if (lifeSafety) {
      app.metrics.alarmHops.observe({ hop: 'ingest_parse' }, parsedAt / 1000);
      app.metrics.alarmHops.observe({ hop: 'ingest_commit' }, (reply.elapsedTime - parsedAt) / 1000);
    }
    // Status facts (offline, battery, self-test) into the history, after the commit and off the answer's path (issue 19).
    if (accepted.length > 0) app.history.recordEvents(accepted);
    app.metrics.ingestEvents.inc({ result: 'stored' }, outcome.newEvents);
    app.metrics.ingestEvents.inc({ result: 'duplicate' }, outcome.duplicates);
    for (const r of refused) app.metrics.ingestEvents.inc({ result: `refused_${r.code}` });
    if (refused.length > 0) {
      request.log.warn({ gatewayId: gateway.name, refused: refused.length, first: refused[0] }, 'ingest refused events');
    }
    return { stored: outcome.stored, duplicates: outcome.duplicates, refused };
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
