import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../../services/registry/provisioning-change.ts';
import { principalOf } from '../guards.ts';

/** Who made a change, for the audit trail: the caller and its address. */
export function actorOf(request: FastifyRequest): Actor {
  return { name: principalOf(request).name, from: request.ip };
}
