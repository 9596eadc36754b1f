import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { ServerProvisioning } from '../../../contract/index.ts';
import { unauthorized } from '../../http-error.ts';
import type { Principal } from '../../services/scope.ts';
import { TokenVerifier } from '../../services/token-verifier.ts';

declare module 'fastify' {
  interface FastifyInstance {
    tokens: TokenVerifier;
    /** onRequest hook for scopes that need a caller: sets `request.principal` or refuses with 401. */
    authenticate: (request: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

export default fp<{ provisioning: ServerProvisioning }>(async (app, opts) => {
  const tokens = new TokenVerifier(opts.provisioning);
  app.decorate('tokens', tokens);
  app.decorateRequest('principal', null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header) {
      app.metrics.authFailures.inc({ reason: 'missing' });
      throw unauthorized("missing Authorization header: send 'Authorization: Bearer TOKEN'");
    }
    const token = BEARER.exec(header)?.[1];
    if (!token) {
      app.metrics.authFailures.inc({ reason: 'malformed' });
      throw unauthorized("malformed Authorization header: expected 'Bearer TOKEN'");
    }
    const principal = tokens.verify(token);
    if (!principal) {
      app.metrics.authFailures.inc({ reason: 'unknown_token' });
      throw unauthorized('token not recognised (wrong, revoked or for another installation)');
    }
    request.principal = principal;
  });
}, { name: 'auth', fastify: '5.x', dependencies: ['metrics'] });
