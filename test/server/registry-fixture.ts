import type { FastifyInstance } from 'fastify';
import type { RegionNode, SiteFileInput } from '../../contract/index.ts';
import type { Actor } from '../../server/services/registry/provisioning-change.ts';
import type { SiteAuthority } from '../../server/services/registry/site-registry.ts';
import type { Principal } from '../../server/services/scope.ts';
import type { Grant } from '../../server/services/store/identity-store.ts';
import { homeFileInput } from '../helpers/e2e-homes.ts';

/**
 * Two districts of one city, a street and a community each (JGJ/T 484-2019 3.0.3), for scope
 * tests: `east` and `west`. Names are what site documents carry; ids what grants name.
 */
export const CITY: RegionNode = { id: 'city', parentId: null, level: 'city', name: '测试市' };
export const DISTRICTS = {
  east: [
    { id: 'east', parentId: 'city', level: 'district', name: '东区' },
    { id: 'east-st', parentId: 'east', level: 'street', name: '东街道' },
    { id: 'east-c', parentId: 'east-st', level: 'community', name: '东社区' },
  ],
  west: [
    { id: 'west', parentId: 'city', level: 'district', name: '西区' },
    { id: 'west-st', parentId: 'west', level: 'street', name: '西街道' },
    { id: 'west-c', parentId: 'west-st', level: 'community', name: '西社区' },
  ],
} satisfies Record<string, RegionNode[]>;
export type District = keyof typeof DISTRICTS;
export const REGION_NODES: RegionNode[] = [CITY, ...DISTRICTS.east, ...DISTRICTS.west];

export const pathOf = (district: District) => ({
  city: CITY.name, district: DISTRICTS[district][0]!.name, street: DISTRICTS[district][1]!.name, community: DISTRICTS[district][2]!.name,
});

let homes = 0;

/**
 * A home (the demo's home-0001: a 4G watch, a Zigbee SOS button, door, radar and a CTWing smoke
 * detector behind hub `hub`) in one district, with its own ids for every transport.
 */
export function homeDocument(siteId: string, district: District, edit?: (file: SiteFileInput) => void): SiteFileInput {
  homes += 1;
  const n = String(homes).padStart(4, '0');
  return homeFileInput({ siteId, watchId: `880000${n}`, platformDeviceId: `86123405999${n}`, baseTopic: `z2m-${siteId}`, file: '' }, (file) => {
    file.site.region = pathOf(district);
    edit?.(file);
  });
}

export const actor: Actor = { name: 'test-admin', from: '127.0.0.1' };

/** A principal with this grant, resolved live through the app's scope service. */
export function principalWith(app: FastifyInstance, role: Principal['role'], grant: Grant, name = `${role}-${grant.regions.join('+') || grant.sites.join('+') || 'all'}`): Principal {
  return { kind: 'user', name, role, grant, sites: app.scope.sitesOf(grant) };
}

export const grantOf = (regions: string[], sites: string[] = []): Grant => ({ all: false, regions, sites });

/** The site authority of an admin principal, as the admin routes pass it. */
export function authorityOf(app: FastifyInstance, principal: Principal): SiteAuthority {
  return (regionId, existing) => app.scope.siteRefusal(principal, regionId, existing?.siteId);
}

export async function putRegions(app: FastifyInstance, nodes: readonly RegionNode[] = REGION_NODES): Promise<void> {
  for (const node of nodes) await app.regions.put(actor, node, () => undefined);
}
