import type { FastifyInstance } from 'fastify';
import { ACK_TARGET_SEC, AckStats, AckStatsQuery, isTechnicalKind } from '../../../contract/index.ts';
import type { Alarm } from '../../../contract/index.ts';
import { badRequest } from '../../http-error.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { READER_ROLES, alarmScope } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf, requireRegion } from './guards.ts';

/** One answer reads at most this many alarms (a week of a city's calls, many times over). */
const MAX_ALARMS = 100_000;
const MAX_WINDOW_MS = 31 * 86_400_000;

/** `GET /stats/acknowledgement` (contract `AckStats`): the share of calls acknowledged within 60 s. */
export default async function ackStatsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/stats/acknowledgement', {
    onRequest: allowRoles(READER_ROLES, 'read acknowledgement statistics (gateways only deliver events)'),
    schema: { querystring: AckStatsQuery, response: { 200: AckStats, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const from = Date.parse(request.query.from);
    const to = Date.parse(request.query.to);
    if (!(to > from) || to - from > MAX_WINDOW_MS) throw badRequest('to must be after from, and the window at most 31 days');
    if (request.query.region) requireRegion(request, request.query.region);
    const principal = principalOf(request);
    const scope = alarmScope(request.query.region ? app.scope.narrowToRegion(principal, request.query.region) : principal);
    const alarms = await app.store.read((tx) => tx.alarms.list({
      ...scope, openOnly: false, raisedFrom: new Date(from).toISOString(), raisedBefore: new Date(to).toISOString(), limit: MAX_ALARMS,
    }));
    return { ...ackStats(alarms, Date.now()), from: new Date(from).toISOString(), to: new Date(to).toISOString(), truncated: alarms.length === MAX_ALARMS };
  });
}

export function ackStats(alarms: readonly Alarm[], now: number): Omit<AckStats, 'from' | 'to' | 'truncated'> {
  const targetMs = ACK_TARGET_SEC * 1000;
  const ackMs: number[] = [];
  let counted = 0;
  let within = 0;
  for (const alarm of alarms) {
    if (isTechnicalKind(alarm.kind)) continue;
    const raised = Date.parse(alarm.raisedAt);
    if (alarm.ackedAt === null) {
      if (now - raised < targetMs) continue; // not decided yet
      counted += 1;
      continue;
    }
    const took = Math.max(0, Date.parse(alarm.ackedAt) - raised);
    counted += 1;
    ackMs.push(took);
    if (took <= targetMs) within += 1;
  }
  ackMs.sort((a, b) => a - b);
  return {
    targetSec: ACK_TARGET_SEC,
    alarms: counted,
    acknowledged: ackMs.length,
    withinTarget: within,
    share: counted === 0 ? null : within / counted,
    medianAckSec: ackMs.length === 0 ? null : Math.round(ackMs[Math.floor((ackMs.length - 1) / 2)]! / 100) / 10,
  };
}
