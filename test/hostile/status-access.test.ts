import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusAccess } from '../../gateway/http/status-access.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

/**
 * Issue 16: "the gateway's status page and metrics answer anyone". With pushes on their own
 * listener, the status listener requires a token: a real gateway over real HTTP.
 */
const TOKEN = 'status-token-for-hostile-tests';
const PAGES = ['/', '/status.json', '/metrics'];

describe('a gateway with a status token', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gatewayOptions: { http: { host: '127.0.0.1', port: 0, statusToken: TOKEN } } });
  });
  afterAll(async () => { await stack?.stop(); });

  it('refuses the status page, status.json and metrics without the token or with a wrong one, even from this machine', async () => {
    for (const path of PAGES) {
      const none = await fetch(`${stack.gatewayHttpUrl}${path}`);
      expect([path, none.status, none.headers.get('www-authenticate')]).toEqual([path, 401, 'Bearer']);
      const body = await none.text();
      expect(body).not.toMatch(/demo|smoke|carewatch_/); // nothing of the inside in the refusal
      const wrong = await fetch(`${stack.gatewayHttpUrl}${path}`, { headers: { authorization: 'Bearer not-the-token' } });
      expect([path, wrong.status]).toEqual([path, 401]);
    }
    expect(stack.gateway.metrics.value('carewatch_status_refused_total', { why: 'token_required' })).toBe(3);
    expect(stack.gateway.metrics.value('carewatch_status_refused_total', { why: 'bad_token' })).toBe(3);
  });

  it('answers with the token (what a Prometheus scrape sends); /healthz stays open for liveness probes', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const status = await fetch(`${stack.gatewayHttpUrl}/status.json`, { headers: auth });
    expect(status.status).toBe(200);
    expect(await status.json()).toHaveProperty('sites');
    const metrics = await fetch(`${stack.gatewayHttpUrl}/metrics`, { headers: auth });
    expect(await metrics.text()).toMatch(/^# HELP carewatch_/m);
    expect((await fetch(`${stack.gatewayHttpUrl}/healthz`)).status).toBe(200);
  });
});

describe('statusAccess without a configured token', () => {
  // Off-loopback addresses cannot be bound by a test (127.0.0.1 only): the decision itself.
  it('answers this machine and refuses the network (fail closed)', () => {
    for (const local of ['127.0.0.1', '127.3.4.5', '::1', '::ffff:127.0.0.1']) expect([local, statusAccess(local, undefined, undefined)]).toEqual([local, 'ok']);
    for (const remote of ['192.168.1.20', '10.0.0.5', '::ffff:192.168.1.20', 'fe80::1', undefined]) {
      expect([remote, statusAccess(remote, undefined, undefined)]).toEqual([remote, 'token_required']);
      expect([remote, statusAccess(remote, `Bearer ${TOKEN}`, undefined)]).toEqual([remote, 'token_required']);
    }
  });

  it('with a token, the network needs it too', () => {
    expect(statusAccess('192.168.1.20', `Bearer ${TOKEN}`, TOKEN)).toBe('ok');
    expect(statusAccess('192.168.1.20', `Bearer ${TOKEN}x`, TOKEN)).toBe('bad_token');
    expect(statusAccess('192.168.1.20', `Basic ${TOKEN}`, TOKEN)).toBe('token_required');
  });
});
