import type { FastifyInstance } from 'fastify';
import { Alarm, AlarmIdParams, AlarmListQuery, AlarmListResponse, ResolveBody, parseAlarmCursor } from '../../../contract/index.ts';
import { badRequest } from '../../http-error.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { OPERATOR_ROLES, READER_ROLES } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf, requireRegion, requireSite } from './guards.ts';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

export default async function alarmRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const operators = allowRoles(OPERATOR_ROLES, 'acknowledge or resolve alarms (read-only role)');

  app.get('/alarms', {
    onRequest: allowRoles(READER_ROLES, 'read alarms (gateways only deliver events)'),
    schema: { querystring: AlarmListQuery, response: { 200: AlarmListResponse, ...errors } },
  }, async (request) => {
    if (request.query.site) requireSite(request, request.query.site);
    if (request.query.region) requireRegion(request, request.query.region);
    const principal = principalOf(request);
    const after = request.query.cursor === undefined ? undefined : parseAlarmCursor(request.query.cursor);
    if (request.query.cursor !== undefined && !after) throw badRequest('querystring.cursor: not a cursor this server gave (use nextCursor of the previous page)');
    return app.alarms.list(request.query.region ? app.scope.narrowToRegion(principal, request.query.region) : principal, request.query, after);
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
