import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import { Reading, ReadingsIngestRequest, ReadingsIngestResponse } from '../../../contract/index.ts';
import type { ReadingRefusal } from '../../../contract/index.ts';
import { HttpError } from '../../http-error.ts';
import { formatIssues } from '../../plugins/external/zod-compiler.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { canSeeSite } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf } from './guards.ts';
import { requireGatewayId } from './ingest.ts';

/** 2,000 readings of a busy wearable fit well within this. */
const READINGS_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * `POST /api/v1/ingest/readings`: the telemetry lane (issue 19). Each reading is checked by
 * itself; the accepted ones are written to the history before the answer, so a 200 means kept and
 * a 503 means "send again" (points are keyed by series and time: a retry replaces, never doubles).
 */
export default async function readingsIngestRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const refusedTotal = new Counter({
    name: 'carewatch_ingest_readings_refused_total', help: 'Readings refused at ingest, by code.',
    labelNames: ['code'], registers: [app.metrics.registry],
  });
  app.post('/ingest/readings', {
    bodyLimit: READINGS_BODY_LIMIT,
    onRequest: allowRoles(['gateway'], 'deliver readings (gateways only)'),
    schema: { body: ReadingsIngestRequest, response: { 200: ReadingsIngestResponse, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const gateway = principalOf(request);
    requireGatewayId(request.body.gatewayId, gateway.name, request);
    const accepted: Reading[] = [];
    const refused: ReadingRefusal[] = [];
    request.body.readings.forEach((raw, index) => {
      const parsed = Reading.safeParse(raw);
      if (!parsed.success) refused.push({ index, code: 'invalid', reason: formatIssues(`readings.${index}`, parsed.error) });
      else if (!canSeeSite(gateway, parsed.data.siteId)) refused.push({ index, code: 'site_not_served', reason: `site ${parsed.data.siteId} is not served by gateway ${gateway.name}` });
      else accepted.push(parsed.data);
    });
    for (const r of refused) refusedTotal.inc({ code: r.code });
    if (refused.length > 0) request.log.warn({ gatewayId: gateway.name, refused: refused.length, first: refused[0] }, 'readings refused');
    if (accepted.length > 0) {
      try {
        await app.history.writeReadings(accepted);
      } catch {
        // Logged and counted by the history service; the gateway keeps the batch and retries.
        throw new HttpError(503, 'history store unavailable; send again later', { 'Retry-After': '5' });
      }
    }
    return { accepted: accepted.length, refused };
  });
}
