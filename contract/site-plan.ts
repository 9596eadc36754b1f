import { z } from 'zod';
import { DeviceId, Id, ResidentId, RoomId, SiteId } from './ids.ts';
import { RoomType } from './site.ts';

/**
 * `GET /api/v1/sites/{siteId}/plan`: what a console draws a site with — its name, wall-clock time
 * zone, floors and rooms, devices by room, and each resident's display name. Care notes and
 * contacts are not here: they are on the resident's card, read one resident at a time (and audited).
 */
export const SitePlanRoom = z.object({ id: RoomId, name: z.string(), type: RoomType });
export const SitePlanFloor = z.object({
  id: Id,
  name: z.string(),
  building: z.string(),
  level: z.number().int(),
  rooms: z.array(SitePlanRoom),
});
export const SitePlanDevice = z.object({
  id: DeviceId,
  profile: z.string(),
  name: z.string().nullable(),
  roomId: RoomId.nullable(),
  residentId: ResidentId.nullable(),
});
export const SitePlanResident = z.object({ id: ResidentId, name: z.string(), roomId: RoomId });
export const SitePlan = z.object({
  siteId: SiteId,
  name: z.string(),
  kind: z.enum(['institution', 'home']),
  timezone: z.string(),
  floors: z.array(SitePlanFloor),
  devices: z.array(SitePlanDevice),
  residents: z.array(SitePlanResident),
});
export type SitePlan = z.infer<typeof SitePlan>;

/** `GET /api/v1/site-plans`: the sites a console may draw, for its site pickers. */
export const SitePlanList = z.object({
  sites: z.array(z.object({ siteId: SiteId, name: z.string(), kind: z.enum(['institution', 'home']), timezone: z.string() })),
});
export type SitePlanList = z.infer<typeof SitePlanList>;
