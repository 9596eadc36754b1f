import { z } from 'zod';
import { ResidentId, RoomId, SiteId } from './ids.ts';
import { Contact } from './site.ts';

/**
 * The resident's card (issue 18): only the fields care needs at the door — who, where, care notes,
 * emergency contacts. Sensitive personal data (PIPL art. 28): every view is an audit record, and
 * the fields are sealed at rest (server/services/privacy/). Served at
 * `GET /api/v1/sites/{siteId}/residents/{residentId}` and `GET /api/v1/residents/{id}?site=ID`.
 */
export const ResidentCard = z.object({
  id: ResidentId,
  siteId: SiteId,
  name: z.string(),
  room: z.object({ id: RoomId, name: z.string().nullable(), floor: z.string().nullable(), level: z.number().int().nullable() }),
  careNotes: z.string().nullable(),
  livesAlone: z.boolean(),
  wanderingRisk: z.boolean(),
  contacts: z.array(Contact),
});
export type ResidentCard = z.infer<typeof ResidentCard>;

/** Why the card is read, written to the audit record of the view (PIPL art. 6: purpose). */
const Purpose = z.string().trim().min(1).max(200).default('console: resident card');

export const ResidentCardParams = z.object({ siteId: SiteId, residentId: ResidentId });
export const ResidentCardQuery = z.object({ purpose: Purpose });
export const ResidentByIdParams = z.object({ id: ResidentId });
export const ResidentByIdQuery = z.object({ site: SiteId, purpose: Purpose });
