import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import type { Alarm, AckStats } from '../../contract/index.ts';
import { bearer, event, ingest, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

// The call-centre figure of issue 20: the share of calls acknowledged within 60 s (telecare practice).
let server: TestServer;
beforeAll(async () => { server = await testServer(); });
afterAll(async () => { await server.close(); });

async function raise(subject: string, agoMs: number, kind: Alarm['kind'] = 'call.button', siteId = 'site-a'): Promise<Alarm> {
  const now = Date.now();
  const gateway = siteId === 'site-a' ? 'gw-a' : 'gw-b';
  const response = await ingest(server.app, gateway, server.tokens[gateway], [event({ siteId, subject, deviceId: subject.split(':')[1]!, kind, ts: now - agoMs, createdAt: now - agoMs })]);
  expect(response.json()).toMatchObject({ refused: [] });
  const list = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/alarms?status=all&limit=1000`, headers: bearer(server.tokens.admin) });
  return (list.json() as { alarms: Alarm[] }).alarms.find((a) => a.subject === subject)!;
}
const ack = (alarm: Alarm) => server.app.inject({ method: 'POST', url: `${API_PREFIX}/alarms/${alarm.id}/ack`, headers: bearer(server.tokens.staffA), payload: {} });
const stats = async (token: string, fromAgoMs: number) => {
  const from = new Date(Date.now() - fromAgoMs).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const response = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/stats/acknowledgement?from=${from}&to=${to}`, headers: bearer(token) });
  expect(response.statusCode).toBe(200);
  return response.json() as AckStats;
};

describe('GET /api/v1/stats/acknowledgement', () => {
  it('counts calls acknowledged within 60 s, late ones and missed ones; leaves out undecided calls and device troubles', async () => {
    expect((await ack(await raise('device:quick', 30_000))).statusCode).toBe(200); // 30 s: within
    expect((await ack(await raise('device:slow', 120_000))).statusCode).toBe(200); // 120 s: late
    await raise('device:missed', 90_000); // never acknowledged, 90 s old: missed
    await raise('device:fresh', 5_000); // 5 s old, not yet decided
    await raise('device:battery', 300_000, 'device.battery_low'); // a trouble, not a call
    await raise('device:other-site', 30_000, 'call.button', 'site-b'); // outside staffA's scope

    const mine = await stats(server.tokens.staffA, 3600_000);
    expect(mine).toMatchObject({ targetSec: 60, alarms: 3, acknowledged: 2, withinTarget: 1, truncated: false });
    expect(mine.share).toBeCloseTo(1 / 3, 5);
    // Lower median of {30 s, 120 s}.
    expect(mine.medianAckSec).toBeGreaterThanOrEqual(30);
    expect(mine.medianAckSec).toBeLessThan(60);

    // A window that begins after the late call was raised leaves it out.
    expect(await stats(server.tokens.staffA, 100_000)).toMatchObject({ alarms: 2, acknowledged: 1, withinTarget: 1 });
  });

  it('refuses a window that ends before it starts', async () => {
    const response = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/stats/acknowledgement?from=2026-12-04T00:00:00Z&to=2026-12-03T00:00:00Z`, headers: bearer(server.tokens.staffA) });
    expect(response.statusCode).toBe(400);
  });
});
