import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayHttp } from '../../gateway/http/gateway-http.ts';
import { statusAccess } from '../../gateway/http/status-access.ts';
import { createLogger } from '../../gateway/log.ts';
import { Metrics } from '../../gateway/metrics.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

/**
 * Issue 16: "the gateway's status page and metrics answer anyone". With pushes on their own
 * listener, the status listener keeps them to this machine, and to the local staff token from
 * the network.
 */
const STAFF = 'staff-token-for-hostile-tests';
const PAGES = ['/', '/status.json', '/metrics'];

describe('the status listener of a running gateway', () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(); });
  afterAll(async () => { await stack?.stop(); });

  it('answers this machine without a token (an operator\'s shell, a local Prometheus)', async () => {
    expect((await fetch(`${stack.gatewayHttpUrl}/status.json`)).status).toBe(200);
    expect(await (await fetch(`${stack.gatewayHttpUrl}/metrics`)).text()).toMatch(/^# HELP carewatch_/m);
  });
});

describe('the status listener asked from the network', () => {
  // Tests bind 127.0.0.1 only, so the network's address is given to fastify's own request
  // injection: the same hooks and routes a socket from 192.168.1.20 would meet.
  const metrics = new Metrics();
  const http = new GatewayHttp({
    host: '127.0.0.1', port: 0, metrics, log: createLogger('status-test', 'silent'), staffToken: () => STAFF,
    status: () => ({ sites: [{ id: 'demo' }] }) as never,
  });
  let app: FastifyInstance;
  beforeAll(async () => {
    await http.start();
    app = (http as unknown as { app: FastifyInstance }).app;
  });
  afterAll(async () => { await http.stop(); });
  const ask = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers, remoteAddress: '192.168.1.20' });

  it('refuses the status page, status.json and metrics without the staff token or with a wrong one, and shows nothing of the inside', async () => {
    for (const path of PAGES) {
      const none = await ask(path);
      expect([path, none.statusCode, none.headers['www-authenticate']]).toEqual([path, 401, 'Bearer realm="carewatch-gateway"']);
      expect(none.body).not.toMatch(/demo|carewatch_/);
      expect([path, (await ask(path, { authorization: 'Bearer not-the-token' })).statusCode]).toEqual([path, 401]);
    }
    expect(metrics.value('carewatch_status_refused_total', { why: 'token_required' })).toBe(3);
    expect(metrics.value('carewatch_status_refused_total', { why: 'bad_token' })).toBe(3);
  });

  it('answers with the staff token (a Prometheus scrape\'s bearer, or the alarm page\'s sign-in cookie); /healthz stays open', async () => {
    expect((await ask('/status.json', { authorization: `Bearer ${STAFF}` })).json()).toMatchObject({ sites: [{ id: 'demo' }] });
    expect((await ask('/metrics', { cookie: `carewatch_staff=${STAFF}` })).statusCode).toBe(200);
    expect((await ask('/healthz')).statusCode).toBe(200);
  });
});

describe('statusAccess', () => {
  it('this machine reads freely; the network needs the staff token', () => {
    for (const local of ['127.0.0.1', '127.3.4.5', '::1', '::ffff:127.0.0.1']) expect([local, statusAccess(local, undefined, STAFF)]).toEqual([local, 'ok']);
    for (const remote of ['192.168.1.20', '10.0.0.5', '::ffff:192.168.1.20', 'fe80::1', undefined]) {
      expect([remote, statusAccess(remote, undefined, STAFF)]).toEqual([remote, 'token_required']);
      expect([remote, statusAccess(remote, `${STAFF}x`, STAFF)]).toEqual([remote, 'bad_token']);
      expect([remote, statusAccess(remote, STAFF, STAFF)]).toEqual([remote, 'ok']);
      expect([remote, statusAccess(remote, STAFF, undefined)]).toEqual([remote, 'bad_token']); // not started: fail closed
    }
  });
});
