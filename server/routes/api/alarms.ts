import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Alarm, AlarmIdParams, AlarmListQuery, ResolveBody } from '../../../contract/index.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { OPERATOR_ROLES, READER_ROLES } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf, requireSite } from './guards.ts';

/**
 * `GET /alarms` answers the list together with the change id it is current to, so a console can
 * open the stream with `Last-Event-ID: lastChangeId` and miss nothing in between.
 */
export const AlarmListResponse = z.object({ alarms: z.array(Alarm), lastChangeId: z.number().int().min(0) });
export type AlarmListResponse = z.infer<typeof AlarmListResponse>;

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

export default async function alarmRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const operators = allowRoles(OPERATOR_ROLES, 'acknowledge or resolve alarms (read-only role)');

  app.get('/alarms', {
    onRequest: allowRoles(READER_ROLES, 'read alarms (gateways only deliver events)'),
    schema: { querystring: AlarmListQuery, response: { 200: AlarmListResponse, ...errors } },
  }, async (request) => {
    if (request.query.site) requireSite(request, request.query.site);
    return app.alarms.list(principalOf(request), request.query);
  });

  app.post('/alarms/:id/ack', {
    onRequest: operators,
    schema: { params: AlarmIdParams, response: { 200: Alarm, ...errors } },
  }, async (request) => app.alarms.acknowledge(request.params.id, principalOf(request)));

  app.post('/alarms/:id/resolve', {
    onRequest: operators,
    schema: { params: AlarmIdParams, body: ResolveBody, response: { 200: Alarm, ...errors } },
  }, async (request) => app.alarms.resolve(request.params.id, principalOf(request), request.body.note));
}
