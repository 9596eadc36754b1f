import type { FastifyInstance } from 'fastify';
import {
  Alarm, AlarmIdParams, AlarmListQuery, AlarmListResponse, AlarmTimeline, AssignBody, AttendBody, CommentBody,
  ConfirmBody, ConfirmResponse, ResolveBody, parseAlarmCursor,
} from '../../../contract/index.ts';
import { badRequest } from '../../http-error.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { OPERATOR_ROLES, READER_ROLES } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf, requireRegion, requireSite } from './guards.ts';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

/**
 * Alarms and their handling (issue 18): list, acknowledge, attend (staff presence), assign,
 * comment, resolve with an outcome, the timeline of audit records, and an emergency contact's
 * confirmation. Every change is audited in the unit of work that makes it (alarm-commit.ts).
 */
export default async function alarmRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const operators = allowRoles(OPERATOR_ROLES, 'handle alarms (read-only role)');

  app.get('/alarms', {
    onRequest: allowRoles(READER_ROLES, 'read alarms (gateways only deliver events)'),
    schema: { querystring: AlarmListQuery, response: { 200: AlarmListResponse, ...errors } },
  }, async (request) => {
    if (request.query.site) requireSite(request, request.query.site);
    if (request.query.region) requireRegion(request, request.query.region);
    const principal = principalOf(request);
    const after = request.query.cursor === undefined ? undefined : parseAlarmCursor(request.query.cursor);
    if (request.query.cursor !== undefined && !after) throw badRequest('querystring.cursor: not a cursor this server gave (use nextCursor of the previous page)');
    const list = await app.alarms.list(request.query.region ? app.scope.narrowToRegion(principal, request.query.region) : principal, request.query, after);
    return { ...list, lastChangeId: list.lastChangeId === 0 ? '0' : app.changeIds.encode(list.lastChangeId) };
  });

  app.get('/alarms/:id/timeline', {
    onRequest: allowRoles(READER_ROLES, 'read alarms (gateways only deliver events)'),
    schema: { params: AlarmIdParams, response: { 200: AlarmTimeline, ...errors } },
  }, async (request) => app.alarms.timeline(request.params.id, principalOf(request)));

  app.post('/alarms/:id/ack', {
    onRequest: operators,
    schema: { params: AlarmIdParams, response: { 200: Alarm, ...errors } },
  }, async (request) => app.alarms.acknowledge(request.params.id, principalOf(request), request.ip));

  app.post('/alarms/:id/attend', {
    onRequest: operators,
    schema: { params: AlarmIdParams, body: AttendBody, response: { 200: Alarm, ...errors } },
  }, async (request) => app.alarms.attend(request.params.id, principalOf(request), request.body.present, request.ip));

  app.post('/alarms/:id/assign', {
    onRequest: operators,
    schema: { params: AlarmIdParams, body: AssignBody, response: { 200: Alarm, ...errors } },
  }, async (request) => app.alarms.assign(request.params.id, principalOf(request), request.body.to, request.ip));

  app.post('/alarms/:id/comment', {
    onRequest: operators,
    schema: { params: AlarmIdParams, body: CommentBody, response: { 200: Alarm, ...errors } },
  }, async (request) => app.alarms.comment(request.params.id, principalOf(request), request.body.text, request.ip));

  app.post('/alarms/:id/resolve', {
    onRequest: operators,
    schema: { params: AlarmIdParams, body: ResolveBody, response: { 200: Alarm, ...errors } },
  }, async (request) => app.alarms.resolve(request.params.id, principalOf(request), request.body.outcome, request.body.note, request.ip));

  // An emergency contact has no account: the one-time token their message carried is the credential.
  app.post('/alarms/:id/confirm', {
    config: { public: true },
    schema: { params: AlarmIdParams, body: ConfirmBody, response: { 200: ConfirmResponse, ...errors } },
  }, async (request) => app.escalation.confirmContact(request.params.id, request.body.token, request.ip));
}
