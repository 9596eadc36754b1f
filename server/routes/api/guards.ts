import type { FastifyRequest } from 'fastify';
import type { Role } from '../../../contract/index.ts';
import { forbidden, unauthorized } from '../../http-error.ts';
import { canSeeSite } from '../../services/scope.ts';
import type { Principal } from '../../services/scope.ts';

/** The verified caller; the `/api/v1` scope's onRequest hook has set it. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('not authenticated');
  return request.principal;
}

/** Route hook: only these roles, else 403 saying what the caller's role may not do. */
export function allowRoles(roles: readonly Role[], action: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = principalOf(request);
    if (!roles.includes(principal.role)) {
      request.server.metrics.authFailures.inc({ reason: 'role' });
      throw forbidden(`role ${principal.role} may not ${action}`);
    }
  };
}

/** 403 unless the site is in the caller's scope. */
export function requireSite(request: FastifyRequest, siteId: string, message?: string): void {
  if (canSeeSite(principalOf(request), siteId)) return;
  request.server.metrics.authFailures.inc({ reason: 'scope' });
  throw forbidden(message ?? `site ${siteId} is outside your scope`);
}

/** 403 unless the region node is one the caller may see (its own nodes, those beneath, its sites' communities). */
export function requireRegion(request: FastifyRequest, nodeId: string): void {
  if (request.server.scope.canSeeRegion(principalOf(request), nodeId)) return;
  request.server.metrics.authFailures.inc({ reason: 'scope' });
  throw forbidden(`region ${nodeId} is outside your scope`);
}

/** Every API route's error responses: contract `ErrorBody`. */
export { ErrorBody } from '../../../contract/index.ts';
