import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import { bearer, fakeClock, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

const PASSWORD = 'correct horse battery staple';
const clock = fakeClock();
let server: TestServer;
beforeAll(async () => {
  server = await testServer({ adminPassword: PASSWORD, clock: clock.now, signIn: { maxFailures: 3, lockMs: 10 * 60_000, sessionMs: 3600_000 } });
});
afterAll(async () => {
  await server.close();
});

const signIn = (username: string, password: string, ip = '10.0.0.1') =>
  server.app.inject({ method: 'POST', url: `${API_PREFIX}/session`, payload: { username, password }, remoteAddress: ip });
const whoAmI = (token: string) => server.app.inject({ method: 'GET', url: `${API_PREFIX}/session`, headers: bearer(token) });

describe('password sign-in and sessions (issue 17)', () => {
  it('signs in with the right password for an expiring session token, and says who the token is', async () => {
    const response = await signIn('admin', PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json() as { token: string; expiresAt: number; role: string };
    expect(body).toMatchObject({ username: 'admin', role: 'admin', expiresAt: clock.now() + 3600_000 });
    expect((await whoAmI(body.token)).json()).toMatchObject({ kind: 'user', name: 'admin', role: 'admin', expiresAt: body.expiresAt });
  });

  it('answers a wrong password and an unknown user alike, and audits both', async () => {
    const wrong = await signIn('admin', 'not the password', '10.0.0.2');
    const unknown = await signIn('nobody', 'not the password', '10.0.0.2');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().message).toBe('wrong username or password');
    expect(unknown.json().message).toBe(wrong.json().message);
    // Clear the counter for the next test: a good sign-in clears the user's failures.
    expect((await signIn('admin', PASSWORD, '10.0.0.2')).statusCode).toBe(200);
    const refused = await server.app.store.read((tx) => tx.audit.list({ sites: 'all', limit: 1000 }));
    expect(refused.filter((r) => r.action === 'session.refused').map((r) => r.actor)).toEqual(expect.arrayContaining(['admin', 'nobody']));
  });

  it('locks the account after repeated failures, even for the right password, until the lock ends', async () => {
    for (let i = 0; i < 2; i += 1) expect((await signIn('admin', `guess ${i}`, '10.0.0.3')).statusCode).toBe(401);
    const third = await signIn('admin', 'guess 3', '10.0.0.3');
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBe('600');
    const right = await signIn('admin', PASSWORD, '10.0.0.4');
    expect(right.statusCode).toBe(429);
    expect(right.json().message).toBe('too many failed sign-ins: try again in 10 minute(s)');
    clock.advance(10 * 60_000 + 1);
    expect((await signIn('admin', PASSWORD, '10.0.0.4')).statusCode).toBe(200);
  });

  it('refuses an expired session token', async () => {
    const { token } = (await signIn('admin', PASSWORD)).json() as { token: string };
    expect((await whoAmI(token)).statusCode).toBe(200);
    clock.advance(3600_000);
    const expired = await whoAmI(token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().message).toMatch(/expired/);
  });

  it('signs out: the token stops working at once', async () => {
    const { token } = (await signIn('admin', PASSWORD)).json() as { token: string };
    const out = await server.app.inject({ method: 'DELETE', url: `${API_PREFIX}/session`, headers: bearer(token) });
    expect(out.statusCode).toBe(200);
    expect((await whoAmI(token)).statusCode).toBe(401);
  });

  it('machines hold long-lived tokens and have no session to end', async () => {
    const out = await server.app.inject({ method: 'DELETE', url: `${API_PREFIX}/session`, headers: bearer(server.tokens['gw-a']) });
    expect(out.statusCode).toBe(400);
    expect(out.json().message).toMatch(/long-lived token/);
  });
});
