import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/**
 * Issue 16: "the gateway's status page and metrics answer anyone". They answer only to the
 * gateway's local staff token (alarm-page/staff-guard.ts): a real gateway over real HTTP.
 */
const STAFF = 'staff-token-for-hostile-tests';

describe('the gateway\'s status page and metrics', () => {
  let stack: Stack;
  const dir = tempDir();
  beforeAll(async () => {
    const file = join(dir.path, 'staff-token');
    writeFileSync(file, `${STAFF}\n`, { mode: 0o600 });
    stack = await startStack({ gatewayOptions: { staffTokenFile: file } });
  });
  afterAll(async () => {
    await stack?.stop();
    dir.remove();
  });
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.gatewayHttpUrl}${path}`, { headers, redirect: 'manual' });

  it('refuse a request without the staff token or with a wrong one, showing nothing of the inside; a browser asking for the page is sent to sign in', async () => {
    for (const path of ['/status.json', '/metrics']) {
      const none = await get(path);
      expect([path, none.status]).toEqual([path, 401]);
      expect(await none.text()).not.toMatch(/demo|carewatch_outbox|# HELP/);
      expect([path, (await get(path, { authorization: 'Bearer not-the-token' })).status]).toEqual([path, 401]);
    }
    const page = await get('/');
    expect([page.status, page.headers.get('location')]).toEqual([302, '/alarms']);
    expect(stack.gateway.metrics.value('carewatch_gateway_http_refused_total', { why: 'missing' })).toBe(3);
    expect(stack.gateway.metrics.value('carewatch_gateway_http_refused_total', { why: 'wrong' })).toBe(2);
  });

  it('answer with it (a Prometheus scrape\'s bearer); /healthz stays open for liveness probes', async () => {
    const auth = { authorization: `Bearer ${STAFF}` };
    expect(await (await get('/status.json', auth)).json()).toHaveProperty('sites');
    expect(await (await get('/metrics', auth)).text()).toMatch(/^# HELP carewatch_/m);
    expect((await get('/healthz')).status).toBe(200);
  });
});
