import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, hashSecret } from '../../contract/index.ts';
import type { ServerProvisioning } from '../../contract/index.ts';
import { TokenVerifier } from '../../server/services/token-verifier.ts';
import { testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
beforeAll(async () => {
  server = await testServer();
});
afterAll(async () => {
  await server.close();
});

describe('authentication under /api/v1', () => {
  it.each([
    ['no header', undefined, "missing Authorization header: send 'Authorization: Bearer TOKEN'", 'missing'],
    ['another scheme', 'Basic dXNlcjpwYXNz', "malformed Authorization header: expected 'Bearer TOKEN'", 'malformed'],
    ['an empty bearer', 'Bearer ', "malformed Authorization header: expected 'Bearer TOKEN'", 'malformed'],
    ['a wrong token', 'Bearer not-a-real-token', 'token not recognised (wrong, expired, signed out, revoked or for another installation)', 'unknown_token'],
  ])('%s → 401 with a clear message, counted by reason', async (_case, header, message, reason) => {
    const before = await server.app.metrics.counterValue(server.app.metrics.authFailures, { reason });
    const response = await server.app.inject({
      method: 'GET', url: `${API_PREFIX}/alarms`, headers: header ? { authorization: header } : {},
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="carewatch"');
    expect(await server.app.metrics.counterValue(server.app.metrics.authFailures, { reason })).toBe(before + 1);
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`carewatch_auth_failures_total{reason="${reason}"} ${before + 1}`);
  });

  it('every API route needs the token, the unknown ones too', async () => {
    for (const [method, url] of [['POST', '/ingest'], ['POST', '/ingest/heartbeat'], ['GET', '/stream'], ['POST', '/alarms/x/ack'], ['GET', '/nothing-here']] as const) {
      const response = await server.app.inject({ method, url: `${API_PREFIX}${url}` });
      expect(response.statusCode, url).toBe(401);
    }
    const known = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/nothing-here`, headers: { authorization: `Bearer ${server.tokens.admin}` } });
    expect(known.json()).toEqual({ statusCode: 404, error: 'Not Found', message: `no route GET ${API_PREFIX}/nothing-here` });
  });

  it('/healthz, /metrics and the console need no token', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toMatch(/^# HELP carewatch_http_requests_total/m);
    expect(metrics.body).toMatch(/^carewatch_sse_clients 0$/m);
    const page = await server.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('/assets/staff.js');
  });

  it('an unknown route is a 404 in the error shape', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no route GET /nowhere' });
  });
});

describe('TokenVerifier', () => {
  const provisioning = (): ServerProvisioning => ({
    users: [
      { username: 'amy', role: 'staff', sites: ['s1'], tokenHash: hashSecret('amy-token') },
      { username: 'root', role: 'admin', sites: [], tokenHash: hashSecret('root-token', 'scrypt') },
    ],
    gateways: [{ gatewayId: 'gw-1', sites: ['s1', 's2'], tokenHash: hashSecret('gw-token') }],
  });

  it('finds users (sha256 and scrypt hashes) and gateways with their scope', () => {
    const verifier = new TokenVerifier(provisioning());
    // A `users` entry holds a long-lived token: a machine's login (an integration), not a person's.
    expect(verifier.verify('amy-token')).toEqual({ kind: 'integration', name: 'amy', role: 'staff', sites: ['s1'], regions: [], all: false });
    expect(verifier.verify('root-token')).toEqual({ kind: 'integration', name: 'root', role: 'admin', sites: [], regions: [], all: true });
    expect(verifier.verify('gw-token')).toEqual({ kind: 'gateway', name: 'gw-1', role: 'gateway', sites: ['s1', 's2'], regions: [], all: false });
    expect(verifier.verify('amy-token ')).toBeUndefined();
  });

  it('verifies a token once, then answers from its cache without hashing again', () => {
    const entries = provisioning();
    const verifier = new TokenVerifier(entries);
    const first = verifier.verify('amy-token');
    // Were the hashes consulted again, the emptied provisioning would now refuse the token.
    entries.users.length = 0;
    expect(verifier.verify('amy-token')).toBe(first);
  });

  it('remembers a bounded number of refused tokens', () => {
    const entries = provisioning();
    entries.users.pop(); // the scrypt one: 2,000 misses would hash it 2,000 times
    const verifier = new TokenVerifier(entries);
    expect(verifier.verify('guess')).toBeUndefined();
    for (let i = 0; i < 2000; i++) verifier.verify(`guess-${i}`);
    const failed = (verifier as unknown as { failed: Set<string> }).failed;
    expect(failed.size).toBe(1024);
  });
});
