import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { API_PREFIX, sitesDigest } from '../../contract/index.ts';
import { bearer, fakeClock, listAlarms, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

const SILENCE_SEC = 90;
let server: TestServer;
afterEach(async () => {
  await server?.close();
});

async function start() {
  const clock = fakeClock();
  server = await testServer({ clock: clock.now, gatewaySilenceSec: SILENCE_SEC });
  return clock;
}

const beat = (gateway: 'gw-a' | 'gw-b', siteIds: string[], token = server.tokens[gateway]) =>
  server.app.inject({
    method: 'POST', url: `${API_PREFIX}/ingest/heartbeat`, headers: bearer(token),
    payload: { gatewayId: gateway, siteIds, outboxDepth: 3, startedAt: 1 },
  });
const beatByDigest = (gateway: 'gw-a' | 'gw-b', digest: string) =>
  server.app.inject({
    method: 'POST', url: `${API_PREFIX}/ingest/heartbeat`, headers: bearer(server.tokens[gateway]),
    payload: { gatewayId: gateway, sitesDigest: digest, outboxDepth: 5, startedAt: 1 },
  });
const offlineAlarms = async () =>
  (await listAlarms(server.app, server.tokens.admin)).filter((a) => a.kind === 'gateway.offline');

describe('gateway heartbeat and gateway.offline', () => {
  it('answers with the server time', async () => {
    const clock = await start();
    const response = await beat('gw-a', ['site-a']);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', serverTime: clock.now() });
  });

  it('raises nothing while heartbeats keep coming, nor for a gateway that never sent one', async () => {
    const clock = await start();
    for (let i = 0; i < 5; i++) {
      await beat('gw-a', ['site-a', 'home-1']);
      clock.advance(60_000);
      await server.app.gatewayWatch.check();
    }
    expect(await offlineAlarms()).toEqual([]);
  });

  it('raises one alarm per served site after the silence period, and clears them when heartbeats resume', async () => {
    const clock = await start();
    await beat('gw-a', ['site-a', 'home-1']);
    clock.advance(SILENCE_SEC * 1000);
    await server.app.gatewayWatch.check();
    expect(await offlineAlarms()).toEqual([]); // exactly the period is not yet silence
    clock.advance(1);
    await server.app.gatewayWatch.check();
    let alarms = await offlineAlarms();
    expect(alarms.map((a) => a.siteId).sort()).toEqual(['home-1', 'site-a']);
    expect(alarms.every((a) => a.status === 'active_unack' && a.subject === 'gateway:gw-a' && a.severity === 'major')).toBe(true);

    // Checking again raises nothing more.
    clock.advance(60_000);
    await server.app.gatewayWatch.check();
    expect((await offlineAlarms()).every((a) => a.count === 1)).toBe(true);

    await beat('gw-a', ['site-a', 'home-1']);
    alarms = await offlineAlarms();
    expect(alarms.map((a) => a.status)).toEqual(['cleared_unack', 'cleared_unack']);
  });

  it('each site sees only its own gateway alarm', async () => {
    const clock = await start();
    await beat('gw-a', ['site-a', 'home-1']);
    await beat('gw-b', ['site-b']);
    clock.advance(SILENCE_SEC * 1000 + 1);
    await server.app.gatewayWatch.check();
    expect((await listAlarms(server.app, server.tokens.staffB)).map((a) => `${a.siteId}:${a.subject}`)).toEqual(['site-b:gateway:gw-b']);
    expect((await listAlarms(server.app, server.tokens.firedept))).toEqual([]);
  });

  it('a heartbeat with no sites stands for every provisioned site of the gateway', async () => {
    const clock = await start();
    await beat('gw-a', []);
    clock.advance(SILENCE_SEC * 1000 + 1);
    await server.app.gatewayWatch.check();
    expect((await offlineAlarms()).map((a) => a.siteId).sort()).toEqual(['home-1', 'site-a']);
  });

  it('refuses a heartbeat naming a site the gateway does not serve, or another gateway, or from a user', async () => {
    await start();
    const foreign = await beat('gw-a', ['site-a', 'site-b']);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().message).toBe('site site-b is not served by gateway gw-a');
    const other = await beat('gw-b', ['site-b'], server.tokens['gw-a']);
    expect(other.statusCode).toBe(403);
    const user = await beat('gw-a', ['site-a'], server.tokens.admin);
    expect(user.statusCode).toBe(403);
    expect(await server.app.store.read((tx) => tx.gateways.all())).toEqual([]);
  });

  it('takes a digest for the site list it holds: alive, counters updated, no list needed', async () => {
    const clock = await start();
    await beat('gw-a', ['site-a', 'home-1']);
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      const answer = await beatByDigest('gw-a', sitesDigest(['home-1', 'site-a']));
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ status: 'ok', serverTime: clock.now() });
      await server.app.gatewayWatch.check();
    }
    expect(await offlineAlarms()).toEqual([]);
    expect(await server.app.store.read((tx) => tx.gateways.get('gw-a'))).toMatchObject({ siteIds: ['site-a', 'home-1'], lastHeartbeatAt: clock.now(), outboxDepth: 5 });
  });

  it('asks for the list when the digest names another one, or the gateway is new; keeps it alive meanwhile', async () => {
    const clock = await start();
    const fresh = await beatByDigest('gw-a', sitesDigest(['site-a']));
    expect(fresh.json()).toEqual({ status: 'ok', serverTime: clock.now(), needSites: true });
    await beat('gw-a', ['site-a']);
    clock.advance(60_000);
    const stale = await beatByDigest('gw-a', sitesDigest(['site-a', 'home-1']));
    expect(stale.json()).toMatchObject({ needSites: true });
    expect(await server.app.store.read((tx) => tx.gateways.get('gw-a'))).toMatchObject({ siteIds: ['site-a'], lastHeartbeatAt: clock.now() });
  });

  it('a heartbeat by digest clears gateway.offline on the sites held for it', async () => {
    const clock = await start();
    await beat('gw-a', ['site-a', 'home-1']);
    clock.advance(SILENCE_SEC * 1000 + 1);
    await server.app.gatewayWatch.check();
    expect((await offlineAlarms()).map((a) => a.status)).toEqual(['active_unack', 'active_unack']);
    clock.advance(1000);
    await beatByDigest('gw-a', sitesDigest(['site-a', 'home-1']));
    expect((await offlineAlarms()).map((a) => a.status)).toEqual(['cleared_unack', 'cleared_unack']);
  });

  it('refuses a heartbeat with neither the site list nor its digest, or a malformed digest', async () => {
    await start();
    const neither = await server.app.inject({
      method: 'POST', url: `${API_PREFIX}/ingest/heartbeat`, headers: bearer(server.tokens['gw-a']),
      payload: { gatewayId: 'gw-a', outboxDepth: 0, startedAt: 1 },
    });
    expect(neither.statusCode).toBe(400);
    expect(neither.body).toContain('siteIds or sitesDigest is required');
    const malformed = await beatByDigest('gw-a', 'not-a-digest');
    expect(malformed.statusCode).toBe(400);
    expect(await server.app.store.read((tx) => tx.gateways.all())).toEqual([]);
  });

  it('a restarted server gives every gateway a full silence period before raising', async () => {
    const clock = await start();
    await beat('gw-a', ['site-a']);
    const { dataDir, provisioning } = server;
    await server.app.close();
    clock.advance(10 * 60_000); // the server was down ten minutes
    const { buildServer } = await import('../../server/app.ts');
    const app = await buildServer({ dataDir, provisioning, clock: clock.now, gatewaySilenceSec: SILENCE_SEC });
    server = { ...server, app, close: async () => { await app.close(); rmSync(dataDir, { recursive: true, force: true }); } };
    await app.gatewayWatch.check();
    expect(await offlineAlarms()).toEqual([]);
    clock.advance(SILENCE_SEC * 1000 + 1);
    await app.gatewayWatch.check();
    expect((await offlineAlarms()).map((a) => a.siteId)).toEqual(['site-a']);
  });
});
