import type { Role } from '../../contract/index.ts';

/** Who is calling, once their token is verified. */
export interface Principal {
  kind: 'user' | 'gateway';
  /** Username or gateway id. */
  name: string;
  role: Role;
  /** Sites in scope; an administrator sees all. */
  sites: ReadonlySet<string> | 'all';
}

/** Roles that may acknowledge and resolve; the fire department reads only (CONTRACT.md roles). */
export const OPERATOR_ROLES: readonly Role[] = ['staff', 'callcentre', 'admin'];
/** Roles that may read alarms; gateways only deliver. */
export const READER_ROLES: readonly Role[] = ['staff', 'callcentre', 'firedept', 'admin'];

/** The fire department sees fire events only (CONTRACT.md: "read-only coverage and fire events"). */
const FIRE_PREFIX = 'fire.';

export function canSeeSite(principal: Principal, siteId: string): boolean {
  return principal.sites === 'all' || principal.sites.has(siteId);
}

export function canSeeAlarm(principal: Principal, alarm: { siteId: string; kind: string }): boolean {
  if (principal.role === 'gateway') return false;
  if (principal.role === 'firedept' && !alarm.kind.startsWith(FIRE_PREFIX)) return false;
  return canSeeSite(principal, alarm.siteId);
}

/** The alarm filter of a reader: their sites, and for the fire department only fire kinds. */
export function alarmScope(principal: Principal): { sites: readonly string[] | 'all'; kindPrefix?: string } {
  const sites = principal.sites === 'all' ? 'all' : [...principal.sites];
  return principal.role === 'firedept' ? { sites, kindPrefix: FIRE_PREFIX } : { sites };
}
