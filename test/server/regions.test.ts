import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import type { RegionView } from '../../contract/index.ts';
import { ALL_GRANT } from '../../server/services/scope.ts';
import { actor, authorityOf, grantOf, homeDocument, principalWith, putRegions } from './registry-fixture.ts';
import { bearer, event, ingest, listAlarms, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

// Issue 17: "A user is scoped to a node and sees everything beneath it … Roll-ups per node: open
// alarms, devices in trouble, homes silent."
let server: TestServer;
let eastDesk: string;
let westDesk: string;

beforeAll(async () => {
  server = await testServer();
  const { app } = server;
  await putRegions(app);
  const root = principalWith(app, 'admin', ALL_GRANT);
  for (const [siteId, district] of [['home-e1', 'east'], ['home-e2', 'east'], ['home-w1', 'west']] as const) {
    await app.sites.putSite(actor, { siteId, gatewayId: 'gw-a', document: homeDocument(siteId, district) }, authorityOf(app, root));
  }
  const desk = async (name: string, region: string) =>
    (await app.accounts.putMachine(actor, { name, kind: 'integration', role: 'callcentre', grant: grantOf([region]), regionId: region }, () => undefined)).token!;
  eastDesk = await desk('east-desk', 'east');
  westDesk = await desk('west-desk', 'west');
  // home-e1: an SOS, a low battery and the radar offline (silent); home-w1: an SOS.
  const raise = (siteId: string, kind: 'wearable.sos' | 'device.battery_low' | 'device.offline', deviceId: string) =>
    event({ siteId, kind, deviceId, subject: `device:${deviceId}`, roomId: 'bedroom', residentId: 'r1', severity: kind === 'wearable.sos' ? 'critical' : 'minor' });
  const response = await ingest(app, 'gw-a', server.tokens['gw-a'], [
    raise('home-e1', 'wearable.sos', 'watch'), raise('home-e1', 'device.battery_low', 'sos-button'), raise('home-e1', 'device.offline', 'radar'),
    raise('home-w1', 'wearable.sos', 'watch'),
  ]);
  expect(response.json()).toMatchObject({ refused: [] });
});
afterAll(async () => {
  await server?.close();
});

const regionsOf = async (token: string): Promise<RegionView[]> => {
  const response = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/regions`, headers: bearer(token) });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { regions: RegionView[] }).regions;
};

describe('GET /regions: the tree the caller may see, with roll-ups', () => {
  it('a district call centre sees its district and everything beneath it, counted over its own sites only', async () => {
    const rollup = { sites: 2, openAlarms: 3, devicesInTrouble: 2, homesSilent: 1 };
    expect(await regionsOf(eastDesk)).toEqual([
      { id: 'east', parentId: 'city', level: 'district', name: '东区', rollup },
      { id: 'east-st', parentId: 'east', level: 'street', name: '东街道', rollup },
      { id: 'east-c', parentId: 'east-st', level: 'community', name: '东社区', rollup },
    ]);
    expect((await regionsOf(westDesk)).map((r) => [r.id, r.rollup.openAlarms])).toEqual([['west', 1], ['west-st', 1], ['west-c', 1]]);
  });

  it('an administrator over every region sees the city rolled up from both districts', async () => {
    const city = (await regionsOf(server.tokens.admin)).find((r) => r.id === 'city');
    expect(city?.rollup).toEqual({ sites: 3, openAlarms: 4, devicesInTrouble: 2, homesSilent: 1 });
  });

  it('a gateway may not read the tree', async () => {
    const response = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/regions`, headers: bearer(server.tokens['gw-a']) });
    expect(response.statusCode).toBe(403);
  });
});

describe('GET /alarms?region=NODE', () => {
  it('narrows the list to the sites beneath the node, within the caller\'s scope', async () => {
    expect(new Set((await listAlarms(server.app, server.tokens.admin, 'status=all&region=west')).map((a) => a.siteId))).toEqual(new Set(['home-w1']));
    expect(new Set((await listAlarms(server.app, eastDesk, 'status=all&region=east-c')).map((a) => a.siteId))).toEqual(new Set(['home-e1']));
  });

  it('refuses a node outside the caller\'s scope, naming only the node asked for', async () => {
    const response = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/alarms?region=west`, headers: bearer(eastDesk) });
    expect(response.json()).toEqual({ statusCode: 403, error: 'Forbidden', message: 'region west is outside your scope' });
  });
});
