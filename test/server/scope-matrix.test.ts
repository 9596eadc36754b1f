import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, AlarmChange } from '../../contract/index.ts';
import type { Alarm, EventInput } from '../../contract/index.ts';
import { ALL_GRANT } from '../../server/services/scope.ts';
import { SseClient } from '../helpers/sse-client.ts';
import { DISTRICTS, actor, authorityOf, homeDocument, principalWith, putRegions } from './registry-fixture.ts';
import { bearer, event, ingest, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

// Issue 17, must show: "A scope matrix test: every route and the stream × every role × two regions
// with two sites each." For each role in each district, every route answers about the other
// district exactly as it answers about a site, region or alarm that does not exist (the same status
// and the same message but for the id), lists and the stream carry nothing of the other district,
// and what the role may see of its own district is there.
type Side = 'east' | 'west';
const SITES: Record<Side, [string, string]> = { east: ['home-e1', 'home-e2'], west: ['home-w1', 'home-w2'] };
const ROLES = ['staff', 'callcentre', 'firedept', 'admin'] as const;
type Role = (typeof ROLES)[number];
const PASSWORD = 'scope matrix password';
const other = (side: Side): Side => (side === 'east' ? 'west' : 'east');

let server: TestServer;
let baseUrl: string;
const tokens = new Map<string, string>();
const alarmIds: Record<Side, string[]> = { east: [], west: [] };
const who = (role: Role, side: Side) => `${role}-${side}`;

const raise = (siteId: string, kind: 'call.button' | 'fire.smoke', deviceId: string): EventInput =>
  event({ siteId, kind, deviceId, subject: `device:${deviceId}`, roomId: 'bedroom', residentId: kind === 'call.button' ? 'r1' : undefined, severity: 'critical', lane: 'life_safety' });

beforeAll(async () => {
  server = await testServer();
  const { app } = server;
  await putRegions(app);
  const root = principalWith(app, 'admin', ALL_GRANT);
  for (const side of ['east', 'west'] as const) {
    for (const siteId of SITES[side]) await app.sites.putSite(actor, { siteId, gatewayId: 'gw-a', document: homeDocument(siteId, side) }, authorityOf(app, root));
    for (const role of ROLES) {
      const grant = role === 'staff' ? { all: false, regions: [], sites: [...SITES[side]] } : { all: false, regions: [DISTRICTS[side][0]!.id], sites: [] };
      await app.accounts.putUser(actor, { username: who(role, side), role, grant, password: PASSWORD }, () => undefined);
      const signedIn = await app.inject({ method: 'POST', url: `${API_PREFIX}/session`, payload: { username: who(role, side), password: PASSWORD } });
      tokens.set(who(role, side), (signedIn.json() as { token: string }).token);
    }
  }
  const sent = await ingest(app, 'gw-a', server.tokens['gw-a'], Object.values(SITES).flat().flatMap((siteId) => [raise(siteId, 'call.button', 'sos-button'), raise(siteId, 'fire.smoke', 'smoke')]));
  expect(sent.json()).toMatchObject({ refused: [] });
  const all = (await app.inject({ method: 'GET', url: `${API_PREFIX}/alarms?status=all`, headers: bearer(server.tokens.admin) })).json() as { alarms: Alarm[] };
  for (const a of all.alarms) (SITES.east.includes(a.siteId) ? alarmIds.east : alarmIds.west).push(a.id);
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await server?.close();
});

const call = (token: string, method: 'GET' | 'POST', path: string) =>
  server.app.inject({ method, url: `${API_PREFIX}${path}`, headers: bearer(token), ...(method === 'POST' ? { payload: {} } : {}) });

/** Routes naming one thing: the other district's (`{x}`) must answer as a thing that does not exist. */
const NAMED: Array<{ route: string; method: 'GET' | 'POST'; of: (side: Side) => string; none: string }> = [
  { route: 'GET /alarms?site=', method: 'GET', of: (s) => `/alarms?status=all&site=${SITES[s][0]}`, none: '/alarms?status=all&site=home-nowhere' },
  { route: 'GET /alarms?region=', method: 'GET', of: (s) => `/alarms?status=all&region=${DISTRICTS[s][0]!.id}`, none: '/alarms?status=all&region=nowhere' },
  { route: 'GET /sites/{id}/devices', method: 'GET', of: (s) => `/sites/${SITES[s][0]}/devices`, none: '/sites/home-nowhere/devices' },
  { route: 'GET /sites/{id}/plan', method: 'GET', of: (s) => `/sites/${SITES[s][0]}/plan`, none: '/sites/home-nowhere/plan' },
  { route: 'POST /alarms/{id}/ack', method: 'POST', of: (s) => `/alarms/${alarmIds[s][0]}/ack`, none: '/alarms/alarm-nowhere/ack' },
  { route: 'GET /admin/sites/{id}', method: 'GET', of: (s) => `/admin/sites/${SITES[s][0]}`, none: '/admin/sites/home-nowhere' },
  { route: 'GET /admin/sites/{id}/sheet', method: 'GET', of: (s) => `/admin/sites/${SITES[s][0]}/sheet`, none: '/admin/sites/home-nowhere/sheet' },
  { route: 'GET /admin/sites/{id}/residents/r1/export', method: 'GET', of: (s) => `/admin/sites/${SITES[s][0]}/residents/r1/export`, none: '/admin/sites/home-nowhere/residents/r1/export' },
];
/** Lists: nothing of the other district may appear anywhere in the answer. */
const LISTS = ['/alarms?status=all', '/regions', '/site-plans', '/admin/sites', '/admin/regions', '/admin/users', '/session'];
const mentions = (body: string, side: Side) => [...SITES[side], ...DISTRICTS[side].map((n) => n.id), ...alarmIds[side], ...ROLES.map((r) => who(r, side))].filter((x) => body.includes(x));

describe.each(ROLES.flatMap((role) => (['east', 'west'] as const).map((side) => [role, side] as const)))('%s of the %s district', (role, side) => {
  const token = () => tokens.get(who(role, side))!;

  it.each(NAMED.map((n) => [n.route, n] as const))("%s: the other district's answers as one that does not exist", async (_route, named) => {
    const theirs = await call(token(), named.method, named.of(other(side)));
    const none = await call(token(), named.method, named.none);
    expect(theirs.statusCode).toBeGreaterThanOrEqual(400);
    expect(theirs.statusCode).toBe(none.statusCode);
    const id = (path: string) => /(?:site=|region=|\/sites\/|\/alarms\/)([^/&?]+)/.exec(path)![1]!;
    expect((theirs.json() as { message: string }).message.replace(id(named.of(other(side))), 'X')).toBe((none.json() as { message: string }).message.replace(id(named.none), 'X'));
  });

  it.each(LISTS)('GET %s names nothing of the other district', async (path) => {
    const response = await call(token(), 'GET', path);
    expect(mentions(response.body, other(side))).toEqual([]);
  });

  it('sees its own district as its role allows', async () => {
    const { alarms } = (await call(token(), 'GET', '/alarms?status=all')).json() as { alarms: Alarm[] };
    const expected = SITES[side].flatMap((s) => (role === 'firedept' ? [`${s} fire.smoke`] : [`${s} call.button`, `${s} fire.smoke`]));
    expect(alarms.map((a) => `${a.siteId} ${a.kind}`).sort()).toEqual(expected.sort());
    const devices = await call(token(), 'GET', `/sites/${SITES[side][0]}/devices`);
    expect(devices.statusCode).toBe(role === 'firedept' ? 403 : 200);
    expect((await call(token(), 'GET', `/admin/sites/${SITES[side][0]}`)).statusCode).toBe(role === 'admin' ? 200 : 403);
  });
});

describe('the stream × every role × both districts', () => {
  it('replays and sends only the own district, proven by a later change of it that follows the other\'s', async () => {
    const streams = new Map<string, SseClient>();
    for (const side of ['east', 'west'] as const) {
      for (const role of ROLES) {
        const sse = new SseClient(`${baseUrl}${API_PREFIX}/stream`, { ...bearer(tokens.get(who(role, side))!), 'last-event-id': '0' });
        await sse.open();
        expect(sse.status).toBe(200);
        streams.set(who(role, side), sse);
      }
    }
    // W1 E1 W2 E2 W3: the last of each district comes after every change of the other.
    const order: Array<[Side, string]> = [['west', 'm1'], ['east', 'm1'], ['west', 'm2'], ['east', 'm2'], ['west', 'm3']];
    for (const [side, marker] of order) {
      expect((await ingest(server.app, 'gw-a', server.tokens['gw-a'], [raise(SITES[side][1], 'fire.smoke', `smoke-${marker}`)])).json()).toMatchObject({ refused: [] });
    }
    for (const side of ['east', 'west'] as const) {
      const last = side === 'east' ? 'smoke-m2' : 'smoke-m3';
      for (const role of ROLES) {
        const sse = streams.get(who(role, side))!;
        await sse.next((m) => m.id !== undefined && m.event !== 'reset' && AlarmChange.parse(JSON.parse(m.data)).alarm.deviceId === last, 10_000);
        const seen = sse.messages.filter((m) => m.id !== undefined && m.event !== 'reset').map((m) => AlarmChange.parse(JSON.parse(m.data)).alarm);
        expect(seen.filter((a) => !SITES[side].includes(a.siteId)), `${who(role, side)} saw the other district`).toEqual([]);
        if (role === 'firedept') expect(seen.every((a) => a.kind.startsWith('fire.'))).toBe(true);
        expect(seen.length).toBeGreaterThanOrEqual(role === 'firedept' ? 4 : 6);
        sse.close();
      }
    }
  });
});
