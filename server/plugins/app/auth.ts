import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { FastifyRequest } from 'fastify';
import type { ServerProvisioning } from '../../../contract/index.ts';
import { unauthorized } from '../../http-error.ts';
import { Accounts } from '../../services/identity/accounts.ts';
import { ensureAdmin } from '../../services/identity/bootstrap-admin.ts';
import { DEFAULT_SIGN_IN, IdentityService } from '../../services/identity/identity-service.ts';
import type { SignInPolicy } from '../../services/identity/identity-service.ts';
import { OWASP_SCRYPT, PasswordHasher } from '../../services/identity/password-hash.ts';
import type { ScryptCost } from '../../services/identity/password-hash.ts';
import type { Principal } from '../../services/scope.ts';
import { TokenVerifier } from '../../services/token-verifier.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Machine logins of the provisioning file (reloadable). */
    tokens: TokenVerifier;
    identity: IdentityService;
    accounts: Accounts;
    /** onRequest hook for scopes that need a caller: sets `request.principal` or refuses with 401. */
    authenticate: (request: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The route needs no token (signing in). */
    public?: boolean;
  }
}

export interface AuthOptions {
  provisioning: ServerProvisioning;
  clock: () => number;
  dataDir: string;
  passwordCost?: ScryptCost | undefined;
  signIn?: Partial<SignInPolicy> | undefined;
  /** The first administrator's password (`CAREWATCH_ADMIN_PASSWORD`); else one is generated into the data folder. */
  adminPassword?: string | undefined;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

export default fp<AuthOptions>(async (app, opts) => {
  const tokens = new TokenVerifier(opts.provisioning);
  const hasher = new PasswordHasher(opts.passwordCost ?? OWASP_SCRYPT);
  const signIns = new Counter({
    name: 'carewatch_signins_total', help: 'Password sign-ins by result (ok, wrong, locked).', labelNames: ['result'], registers: [app.metrics.registry],
  });
  const identity = new IdentityService({
    store: app.store, scope: app.scope, files: tokens, hasher, clock: opts.clock,
    policy: { ...DEFAULT_SIGN_IN, ...opts.signIn }, counted: (result) => signIns.inc({ result }),
  });
  const accounts = new Accounts({
    store: app.store, hasher, clock: opts.clock,
    committed: async (change) => {
      identity.accountsChanged();
      await app.scope.refresh();
      app.provisioning.publish([change]);
    },
    sessionsEnded: () => undefined, // their streams close through the provisioning bus (accounts)
  });
  app.provisioning.subscribe((change) => {
    if (change.what === 'accounts' || change.accounts.includes('*')) identity.accountsChanged();
  });
  app.decorate('tokens', tokens);
  app.decorate('identity', identity);
  app.decorate('accounts', accounts);
  app.decorateRequest('principal', null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    if (request.routeOptions.config.public === true) return;
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
    const principal = await identity.authenticate(token);
    if (!principal) {
      app.metrics.authFailures.inc({ reason: 'unknown_token' });
      throw unauthorized('token not recognised (wrong, expired, signed out, revoked or for another installation)');
    }
    request.principal = principal;
  });
  app.addHook('onReady', async () => {
    const admin = await ensureAdmin({ store: app.store, hasher, dataDir: opts.dataDir, password: opts.adminPassword, clock: opts.clock });
    if (admin.created) {
      app.log.warn({ user: 'admin', passwordFile: admin.passwordFile ?? '(CAREWATCH_ADMIN_PASSWORD)' }, 'first start: made the administrator "admin"; sign in with `carewatch admin` and change its password');
    }
  });
}, { name: 'auth', fastify: '5.x', dependencies: ['metrics', 'registry'] });
