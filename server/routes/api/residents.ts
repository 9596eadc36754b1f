import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ResidentByIdParams, ResidentByIdQuery, ResidentCard, ResidentCardParams, ResidentCardQuery } from '../../../contract/index.ts';
import type { SiteFile } from '../../../contract/index.ts';
import { notFound } from '../../http-error.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { OPERATOR_ROLES } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf } from './guards.ts';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

/**
 * The resident's card (issue 18), for the people who handle alarms: staff, the call centre,
 * administrators — not the fire department (PIPL art. 6: only what the purpose needs). Read
 * through the resident directory, which records the view before anything is returned; a resident
 * outside the caller's scope is absent (404), as an alarm is.
 */
export default async function residentRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const readers = allowRoles(OPERATOR_ROLES, 'read residents\' cards');

  const card = async (request: FastifyRequest, siteId: string, residentId: string, purpose: string): Promise<ResidentCard> => {
    const resident = await app.residents.view(principalOf(request), request.ip, siteId, residentId, purpose);
    if (!resident) throw notFound(`no resident ${residentId} of site ${siteId} in your scope`);
    const doc = await app.sites.document(siteId);
    return {
      id: resident.id, siteId, name: resident.name, room: roomOf(doc, resident.roomId),
      careNotes: resident.careNotes ?? null, livesAlone: resident.livesAlone, wanderingRisk: resident.wanderingRisk, contacts: resident.contacts,
    };
  };

  app.get('/sites/:siteId/residents/:residentId', {
    onRequest: readers,
    schema: { params: ResidentCardParams, querystring: ResidentCardQuery, response: { 200: ResidentCard, ...errors } },
  }, async (request) => card(request, request.params.siteId, request.params.residentId, request.query.purpose));

  app.get('/residents/:id', {
    onRequest: readers,
    schema: { params: ResidentByIdParams, querystring: ResidentByIdQuery, response: { 200: ResidentCard, ...errors } },
  }, async (request) => card(request, request.query.site, request.params.id, request.query.purpose));
}

function roomOf(doc: SiteFile | undefined, roomId: string): ResidentCard['room'] {
  for (const building of doc?.buildings ?? []) {
    for (const floor of building.floors) {
      const room = floor.rooms.find((r) => r.id === roomId);
      if (room) return { id: roomId, name: room.name, floor: floor.name, level: floor.level };
    }
  }
  return { id: roomId, name: null, floor: null, level: null };
}
