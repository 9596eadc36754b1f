import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Event } from '../../contract/index.ts';
import type { IngestRefusal, IngestResponse } from '../../contract/index.ts';
import { formatIssues } from '../plugins/external/zod-compiler.ts';
import { canSeeSite, type Principal } from './scope.ts';

/**
 * The one ingest path of gateway events, over HTTP (`POST /api/v1/ingest`) and through JetStream
 * (`jetstream-ingest.ts`, issue 22). Each event on its own: one the gateway may not send (a home
 * hot-added on the gateway and not provisioned here yet) or this server cannot read is refused
 * with its reason, the others are stored. A refused event must never hold back a fire alarm
 * behind it in the same lane. Stored events keep each id once (the alarm service's transaction).
 */
export async function ingestEvents(
  app: Pick<FastifyInstance, 'alarms' | 'history' | 'metrics'>,
  gateway: Principal,
  raws: ReadonlyArray<{ id: string }>,
  from: string | null,
  log: FastifyBaseLogger,
  /** Milliseconds since the request (or the batch of messages) came in: the alarm hops' clock. */
  elapsedMs?: () => number,
): Promise<IngestResponse> {
  const accepted: Event[] = [];
  const refused: IngestRefusal[] = [];
  for (const raw of raws) {
    const parsed = Event.safeParse(raw);
    if (!parsed.success) {
      refused.push({ id: raw.id, code: 'invalid', reason: formatIssues(`event ${raw.id}`, parsed.error) });
    } else if (!canSeeSite(gateway, parsed.data.siteId)) {
      refused.push({ id: raw.id, code: 'site_not_served', reason: `site ${parsed.data.siteId} is not served by gateway ${gateway.name}` });
    } else {
      accepted.push(parsed.data);
    }
  }
  const lifeSafety = elapsedMs !== undefined && accepted.some((e) => e.lane === 'life_safety');
  const parsedAt = elapsedMs?.() ?? 0;
  const outcome = accepted.length > 0 ? await app.alarms.ingest(gateway.name, accepted, from) : { stored: [], newEvents: 0, duplicates: 0 };
  if (lifeSafety) {
    app.metrics.alarmHops.observe({ hop: 'ingest_parse' }, parsedAt / 1000);
    app.metrics.alarmHops.observe({ hop: 'ingest_commit' }, (elapsedMs() - parsedAt) / 1000);
  }
  // Status facts (offline, battery, self-test) into the history, after the commit and off the answer's path (issue 19).
  if (accepted.length > 0) app.history.recordEvents(accepted);
  app.metrics.ingestEvents.inc({ result: 'stored' }, outcome.newEvents);
  app.metrics.ingestEvents.inc({ result: 'duplicate' }, outcome.duplicates);
  for (const r of refused) app.metrics.ingestEvents.inc({ result: `refused_${r.code}` });
  if (refused.length > 0) log.warn({ gatewayId: gateway.name, refused: refused.length, first: refused[0] }, 'ingest refused events');
  return { stored: outcome.stored, duplicates: outcome.duplicates, refused };
}
