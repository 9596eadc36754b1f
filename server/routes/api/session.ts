import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SessionResponse, SignInBody, WhoAmI } from '../../../contract/index.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { ErrorBody, principalOf } from './guards.ts';

/**
 * `/session`: people sign in with a password for an expiring session token and sign out
 * (issue 17; CONTRACT.md). Lockout and the audit of every outcome live in the identity service;
 * a wrong username and a wrong password get the same answer (OWASP: no account enumeration).
 */
export default async function sessionRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post('/session', {
    config: { public: true },
    schema: { body: SignInBody, response: { 200: SessionResponse, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    return app.identity.signIn(request.body.username, request.body.password, request.ip);
  });

  app.get('/session', {
    schema: { response: { 200: WhoAmI, '4xx': ErrorBody } },
  }, async (request) => {
    const p = principalOf(request);
    return {
      kind: p.kind, name: p.name, role: p.role,
      ...(p.session ? { expiresAt: p.session.expiresAt } : {}),
      ...(p.grant ? { grant: p.grant } : {}),
    };
  });

  app.delete('/session', {
    schema: { response: { 200: z.object({ ok: z.literal(true) }), '4xx': ErrorBody } },
  }, async (request) => {
    await app.identity.signOut(principalOf(request), request.ip);
    return { ok: true as const };
  });
}
