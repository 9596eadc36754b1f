import { z } from 'zod';
import { Role } from './api.ts';
import { Id, SiteId } from './ids.ts';
import { RegionId, RegionNode } from './region.ts';
import { Device } from './site.ts';

/**
 * The admin API under `/api/v1/admin` (issue 17), which `carewatch admin` calls: regions, sites,
 * devices, gateways, integrations and users. An administrator acts only within its own node.
 * Secrets (passwords, tokens, MQTT passwords) are made by the server and returned once, in the
 * answer to the request that made them; the server keeps only their hashes.
 */

/** `PUT /admin/regions/{id}`: the level follows from the parent. */
export const RegionPutBody = z.object({
  parentId: RegionId.nullable(),
  name: z.string().trim().min(1).max(100),
});
export type RegionPutBody = z.infer<typeof RegionPutBody>;

export const RegionPutResponse = z.object({
  node: RegionNode,
  created: z.boolean(),
  version: z.number().int(),
  sitesRewritten: z.number().int(),
});

/** Where people and integrations see: every site beneath these nodes, these sites, or everything. */
export const GrantBody = z.object({
  all: z.boolean().default(false),
  regions: z.array(RegionId).default([]),
  sites: z.array(SiteId).default([]),
});
export type GrantBody = z.infer<typeof GrantBody>;

export const PersonRole = z.enum(['staff', 'callcentre', 'firedept', 'admin']);
export type PersonRole = z.infer<typeof PersonRole>;

/** `PUT /admin/users/{username}`: absent password on a new user → one is generated and returned once. */
export const UserPutBody = z.object({
  role: PersonRole,
  grant: GrantBody,
  password: z.string().min(1).max(1024).optional(),
});
export type UserPutBody = z.infer<typeof UserPutBody>;

export const UserView = z.object({
  username: z.string(),
  role: PersonRole,
  grant: z.object({ all: z.boolean(), regions: z.array(z.string()), sites: z.array(z.string()) }),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type UserView = z.infer<typeof UserView>;

export const UserPutResponse = z.object({ created: z.boolean(), password: z.string().optional() });

/** `PUT /admin/gateways/{id}`: a new gateway, or `rotate`, gets a token, returned once. */
export const GatewayPutBody = z.object({
  /** The region node it is managed under (an administrator must hold it). */
  regionId: RegionId.nullable().default(null),
  rotate: z.boolean().default(false),
});
export type GatewayPutBody = z.infer<typeof GatewayPutBody>;

/** `PUT /admin/integrations/{name}`: a call-centre system, a nurse-call panel: a reader with a long-lived token. */
export const IntegrationPutBody = z.object({
  role: PersonRole,
  grant: GrantBody,
  regionId: RegionId.nullable().default(null),
  rotate: z.boolean().default(false),
});
export type IntegrationPutBody = z.infer<typeof IntegrationPutBody>;

export const MachineView = z.object({
  name: z.string(),
  kind: z.enum(['gateway', 'integration']),
  role: Role,
  regionId: z.string().nullable(),
  /** Sites a gateway serves (from the site registry). */
  sites: z.array(z.string()).optional(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type MachineView = z.infer<typeof MachineView>;

export const MachinePutResponse = z.object({ created: z.boolean(), token: z.string().optional() });

/** `PUT /admin/sites/{siteId}`: the site document (contract `SiteFile`) and the gateway serving it. */
export const SitePutBody = z.object({
  gatewayId: Id.optional(),
  /** Checked in full by the registry (contract `SiteFile`), with every problem listed. */
  document: z.unknown(),
});
export type SitePutBody = z.infer<typeof SitePutBody>;

/** A secret made now, shown once: an MQTT login of a native device or a Zigbee2MQTT hub. */
export const IssuedSecret = z.object({
  username: z.string(),
  password: z.string(),
  role: z.enum(['device', 'bridge']),
  subject: z.string(),
});
export type IssuedSecret = z.infer<typeof IssuedSecret>;

export const SiteChangeResponse = z.object({
  siteId: SiteId,
  regionId: z.string(),
  gatewayId: z.string(),
  version: z.number().int(),
  created: z.boolean(),
  issued: z.array(IssuedSecret),
});
export type SiteChangeResponse = z.infer<typeof SiteChangeResponse>;

export const SiteSummary = z.object({
  siteId: SiteId,
  regionId: z.string(),
  gatewayId: z.string(),
  kind: z.enum(['institution', 'home']),
  version: z.number().int(),
  updatedAt: z.number().int(),
});
export const SiteListResponse = z.object({ sites: z.array(SiteSummary) });

/** `PUT /admin/sites/{siteId}/devices/{deviceId}`: the device as the site file has it. */
export const DevicePutBody = Device;

export const SheetQuery = z.object({ format: z.enum(['html', 'csv', 'json']).default('html') });

/** One line of an installer's sheet: a device, where it goes, how it is addressed, and its login. */
export const SheetLine = z.object({
  deviceId: z.string(),
  profile: z.string(),
  transport: z.string(),
  /** Building / floor / room, or the resident it is worn by. */
  where: z.string(),
  /** Watch IMEI, Zigbee2MQTT friendly name, platform device id, RFLink id, MQTT username. */
  address: z.string(),
  mqttUsername: z.string().optional(),
  /** Only on a sheet made with new secrets (`POST …/sheet`); otherwise absent. */
  mqttPassword: z.string().optional(),
});
export type SheetLine = z.infer<typeof SheetLine>;

export const InstallerSheet = z.object({
  siteId: SiteId,
  siteName: z.string(),
  gatewayId: z.string(),
  generatedAt: z.string(),
  lines: z.array(SheetLine),
});
export type InstallerSheet = z.infer<typeof InstallerSheet>;

export const NameParams = z.object({ name: Id });
export const SiteParams = z.object({ siteId: SiteId });
export const SiteDeviceParams = z.object({ siteId: SiteId, deviceId: Id });
export const ResidentParams = z.object({ siteId: SiteId, residentId: Id });

/** `DELETE /admin/sites/{siteId}/residents/{residentId}`: erasure needs a stated reason (it is audited). */
export const ErasureBody = z.object({ reason: z.string().trim().min(1, 'a reason is required').max(500) });

export const OkResponse = z.object({ ok: z.literal(true), version: z.number().int().optional() });
