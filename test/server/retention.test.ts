import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import { fakeClock, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

// Issue 17: "retention per kind of record (alarms and audit 5 years by default, readings shorter)".
const clock = fakeClock();
const PASSWORD = 'retention test password';
let server: TestServer;
beforeAll(async () => {
  server = await testServer({ clock: clock.now, adminPassword: PASSWORD });
});
afterAll(async () => {
  await server?.close();
});

const signIn = (password: string) => server.app.inject({ method: 'POST', url: `${API_PREFIX}/session`, payload: { username: 'admin', password } });

describe('the retention sweep', () => {
  it('drops sessions once they end and sign-in failures once the lockout rule no longer looks at them', async () => {
    expect((await signIn(PASSWORD)).statusCode).toBe(200);
    expect((await signIn('wrong password')).statusCode).toBe(401);
    expect(await server.app.retention.run()).toEqual({ sessions: 0, signInFailures: 0, audit: 0 });
    clock.advance(25 * 3600_000);
    expect(await server.app.retention.run()).toMatchObject({ sessions: 1, signInFailures: 2, audit: 0 }) // the failure counted against the user and against the address;
  });

  it('keeps the audit chain 5 years, then drops the older records and the chain still verifies', async () => {
    const before = await server.app.store.read((tx) => tx.audit.list({ sites: 'all', limit: 1000 }));
    expect(before.length).toBeGreaterThanOrEqual(3);
    clock.advance(4 * 365 * 86_400_000);
    expect((await server.app.retention.run()).audit).toBe(0);
    expect((await signIn(PASSWORD)).statusCode).toBe(200); // a record inside the 5 years
    clock.advance(366 * 86_400_000);
    expect((await server.app.retention.run()).audit).toBe(before.length);
    const after = await server.app.store.read((tx) => tx.audit.list({ sites: 'all', limit: 1000 }));
    expect(after.map((r) => r.action)).toEqual(['session.signed_in']);
    expect((await server.app.store.read((tx) => tx.audit.verify())).ok).toBe(true);
  });
});
