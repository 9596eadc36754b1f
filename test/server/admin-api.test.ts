import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, GatewayConfig, InstallerSheet, SiteChangeResponse } from '../../contract/index.ts';
import type { RegionTreeInput } from '../../contract/index.ts';
import { CITY, DISTRICTS, homeDocument } from './registry-fixture.ts';
import { bearer, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

// Issue 17: "a `carewatch admin` command (and the admin API it uses) to add, change and remove
// regions, sites, gateways (with their tokens), users and devices … applied to the running server
// and gateway without a restart, with an installer's sheet per site."
const ROOT_PASSWORD = 'root password for tests';
const EAST_PASSWORD = 'east admin password';
let server: TestServer;
let root: string;
let eastAdmin: string;
let gatewayToken: string;

const call = (token: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, payload?: unknown) =>
  server.app.inject({ method, url: `${API_PREFIX}${path}`, headers: bearer(token), ...(payload !== undefined ? { payload: payload as object } : {}) });
const signIn = async (username: string, password: string) =>
  ((await server.app.inject({ method: 'POST', url: `${API_PREFIX}/session`, payload: { username, password } })).json() as { token: string }).token;

const tree: RegionTreeInput[] = [{
  id: CITY.id, name: CITY.name,
  children: (['east', 'west'] as const).map((d) => ({
    id: DISTRICTS[d][0]!.id, name: DISTRICTS[d][0]!.name,
    children: [{ id: DISTRICTS[d][1]!.id, name: DISTRICTS[d][1]!.name, children: [{ id: DISTRICTS[d][2]!.id, name: DISTRICTS[d][2]!.name }] }],
  })),
}];

beforeAll(async () => {
  server = await testServer({ adminPassword: ROOT_PASSWORD });
  root = await signIn('admin', ROOT_PASSWORD);
  expect((await call(root, 'POST', '/admin/regions/import', tree)).json()).toEqual({ added: 7, changed: 0 });
  const gw = await call(root, 'PUT', '/admin/gateways/gw-city', { regionId: 'city' });
  gatewayToken = (gw.json() as { token: string }).token;
  for (const [siteId, district] of [['home-e1', 'east'], ['home-e2', 'east'], ['home-w1', 'west'], ['home-w2', 'west']] as const) {
    const put = await call(root, 'PUT', `/admin/sites/${siteId}`, { gatewayId: 'gw-city', document: homeDocument(siteId, district) });
    expect(put.statusCode, put.body).toBe(200);
  }
  expect((await call(root, 'PUT', '/admin/users/east-admin', { role: 'admin', grant: { regions: ['east'] }, password: EAST_PASSWORD })).statusCode).toBe(200);
  eastAdmin = await signIn('east-admin', EAST_PASSWORD);
});
afterAll(async () => {
  await server?.close();
});

describe('admin API', () => {
  it('a new site gets MQTT secrets for its hub, once, and the gateway pulls the site with their hashes only', async () => {
    const put = SiteChangeResponse.parse((await call(root, 'PUT', '/admin/sites/home-e3', { gatewayId: 'gw-city', document: homeDocument('home-e3', 'east') })).json());
    expect(put).toMatchObject({ created: true, regionId: 'east-c', gatewayId: 'gw-city' });
    expect(put.issued).toEqual([expect.objectContaining({ role: 'bridge', subject: 'hub', username: 'home-e3.hub' })]);
    const config = GatewayConfig.parse((await call(gatewayToken, 'GET', '/gateway/config?since=0')).json());
    expect(config.full).toBe(true);
    expect(config.sites.map((s) => s.siteId).sort()).toEqual(['home-e1', 'home-e2', 'home-e3', 'home-w1', 'home-w2']);
    const e3 = config.sites.find((s) => s.siteId === 'home-e3')!;
    expect(e3.credentials).toEqual([expect.objectContaining({ username: 'home-e3.hub', role: 'bridge', siteId: 'home-e3' })]);
    expect(JSON.stringify(config)).not.toContain(put.issued[0]!.password);
  });

  it('a waiting config pull answers as soon as a device is added, with only that site', async () => {
    const { version } = GatewayConfig.parse((await call(gatewayToken, 'GET', '/gateway/config?since=0')).json());
    const waiting = call(gatewayToken, 'GET', `/gateway/config?since=${version}&waitSec=30`);
    const device = { id: 'bed', profile: 'bed-sensor', roomId: 'bedroom', transport: 'zigbee2mqtt', friendlyName: 'bed sensor' };
    const put = await call(eastAdmin, 'PUT', '/admin/sites/home-e1/devices/bed', device);
    expect(put.statusCode, put.body).toBe(200);
    const pulled = GatewayConfig.parse((await waiting).json());
    expect(pulled).toMatchObject({ full: false, removed: [], version: put.json().version });
    expect(pulled.sites.map((s) => s.siteId)).toEqual(['home-e1']);
    expect((pulled.sites[0]!.document as unknown as { devices: Array<{ id: string }> }).devices.map((d) => d.id)).toContain('bed');
  });

  it('a district administrator sees and changes only its district; the rest answers as absent', async () => {
    const sites = (await call(eastAdmin, 'GET', '/admin/sites')).json() as { sites: Array<{ siteId: string }> };
    expect(sites.sites.map((s) => s.siteId).sort()).toEqual(['home-e1', 'home-e2', 'home-e3']);
    const other = await call(eastAdmin, 'GET', '/admin/sites/home-w1');
    const none = await call(eastAdmin, 'GET', '/admin/sites/home-nowhere');
    expect(other.statusCode).toBe(404);
    expect(other.json().message).toBe('no site home-w1 in your scope');
    expect(none.json().message).toBe('no site home-nowhere in your scope');
    expect((await call(eastAdmin, 'DELETE', '/admin/sites/home-w1')).json().message).toBe('no site home-w1 in your scope');
    expect((await call(eastAdmin, 'GET', '/admin/sites/home-w1/sheet')).statusCode).toBe(404);
    const westSite = await call(eastAdmin, 'PUT', '/admin/sites/home-w9', { gatewayId: 'gw-city', document: homeDocument('home-w9', 'west') });
    expect(westSite.statusCode).toBe(400);
    expect(westSite.json().message).toBe('document.site.region: 测试市 / 西区 / 西街道 / 西社区 is not in your scope');
    const westUser = await call(eastAdmin, 'PUT', '/admin/users/west-desk', { role: 'callcentre', grant: { regions: ['west'] } });
    expect(westUser.json()).toMatchObject({ statusCode: 400, message: 'region west is outside your scope' });
    const everything = await call(eastAdmin, 'PUT', '/admin/users/god', { role: 'admin', grant: { all: true } });
    expect(everything.json().message).toBe('only an administrator over every region may grant every region');
    const regions = (await call(eastAdmin, 'GET', '/admin/regions')).json() as { regions: Array<{ id: string }> };
    expect(regions.regions.map((r) => r.id)).toEqual(['east', 'east-st', 'east-c']);
    expect((await call(eastAdmin, 'DELETE', '/admin/regions/west-c')).json().message).toBe('no region west-c in your scope');
    const users = (await call(eastAdmin, 'GET', '/admin/users')).json() as { users: Array<{ username: string }> };
    expect(users.users.map((u) => u.username)).toEqual(['east-admin']);
  });

  it('a district administrator adds a call-centre user for its district, with a generated password that signs in', async () => {
    const made = await call(eastAdmin, 'PUT', '/admin/users/east-desk', { role: 'callcentre', grant: { regions: ['east'] } });
    expect(made.statusCode).toBe(200);
    const { password } = made.json() as { password: string };
    expect(password.length).toBeGreaterThanOrEqual(20);
    const desk = await signIn('east-desk', password);
    const who = (await call(desk, 'GET', '/session')).json();
    expect(who).toMatchObject({ kind: 'user', name: 'east-desk', role: 'callcentre', grant: { all: false, regions: ['east'], sites: [] } });
    // People are not administrators: the admin API says so, and says nothing of what exists.
    const refused = await call(desk, 'GET', '/admin/sites/home-e1');
    expect(refused.json()).toEqual({ statusCode: 403, error: 'Forbidden', message: 'role callcentre may not use the admin API' });
  });

  it("prints an installer's sheet: without secrets on GET, with new ones on POST (the old ones stop)", async () => {
    const plain = InstallerSheet.parse((await call(eastAdmin, 'GET', '/admin/sites/home-e2/sheet?format=json')).json());
    expect(plain.lines.map((l) => l.deviceId)).toEqual(['watch', 'sos-button', 'door', 'radar', 'smoke', 'hub']);
    expect(plain.lines.find((l) => l.deviceId === 'watch')).toMatchObject({ where: '住宅 / 一层 / 卧室 · 张桂芳 (r1)', address: expect.stringMatching(/^IMEI\/ID 880000\d{4}$/) });
    expect(plain.lines.every((l) => l.mqttPassword === undefined)).toBe(true);
    const csv = await call(eastAdmin, 'POST', '/admin/sites/home-e2/sheet?format=csv');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const hubLine = csv.body.split('\r\n').find((l) => l.startsWith('hub,'))!;
    expect(hubLine).toMatch(/^hub,zigbee2mqtt hub,mqtt,,z2m-home-e2\/#,home-e2\.hub,[A-Za-z0-9_-]{43}$/);
    const html = await call(eastAdmin, 'GET', '/admin/sites/home-e2/sheet?lang=en');
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('<h1>Installer&#39;s sheet</h1>');
    expect(html.body).not.toContain(hubLine.split(',').at(-1));
  });

  it('records every change in the audit chain, in the unit of work that made it', async () => {
    const records = await server.app.store.read((tx) => tx.audit.list({ sites: 'all', limit: 10_000 }));
    const changes = records.filter((r) => r.action === 'provisioning.changed');
    expect(changes.filter((r) => r.details.what === 'region')).toHaveLength(7);
    expect(changes.filter((r) => r.details.what === 'site' && r.details.op === 'add').map((r) => r.siteId)).toEqual(['home-e1', 'home-e2', 'home-w1', 'home-w2', 'home-e3']);
    expect(changes.find((r) => r.details.what === 'gateway')).toMatchObject({ actor: 'admin', details: { op: 'add', name: 'gw-city' } });
    expect(changes.find((r) => r.details.user === 'east-desk')).toMatchObject({ actor: 'east-admin' });
    expect((await server.app.store.read((tx) => tx.audit.verify())).ok).toBe(true);
  });

  it("exports one resident's data and erases it; both are audited", async () => {
    const exported = await call(eastAdmin, 'GET', '/admin/sites/home-e2/residents/r1/export');
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.json()).toMatchObject({ siteId: 'home-e2', resident: { id: 'r1', name: '张桂芳' }, devices: [{ id: 'watch' }, { id: 'sos-button' }] });
    expect((await call(eastAdmin, 'GET', '/admin/sites/home-w1/residents/r1/export')).statusCode).toBe(404);
    const erased = await call(eastAdmin, 'DELETE', '/admin/sites/home-e2/residents/r1', { reason: 'moved out; family asked' });
    expect(erased.statusCode, erased.body).toBe(200);
    const doc = (await call(eastAdmin, 'GET', '/admin/sites/home-e2')).json().document as { residents: unknown[]; devices: Array<{ id: string; residentId?: string }> };
    expect(doc.residents).toEqual([]);
    expect(doc.devices.map((d) => d.id)).not.toContain('watch');
    expect(doc.devices.find((d) => d.id === 'sos-button')!.residentId).toBeUndefined();
    const records = await server.app.store.read((tx) => tx.audit.list({ sites: ['home-e2'], limit: 10_000 }));
    expect(records.filter((r) => r.residentId === 'r1').map((r) => r.action)).toEqual(expect.arrayContaining(['resident.exported', 'resident.erased']));
  });
});
