import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SiteFile, verifySecret } from '../../contract/index.ts';
import { HttpError } from '../../server/http-error.ts';
import { ALL_GRANT, canSeeSite } from '../../server/services/scope.ts';
import { actor, authorityOf, grantOf, homeDocument, principalWith, putRegions } from './registry-fixture.ts';
import { testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
beforeEach(async () => {
  server = await testServer();
  await putRegions(server.app);
});
afterEach(async () => {
  await server.close();
});

const rejection = async (work: Promise<unknown>): Promise<{ status: number; message: string }> => {
  try {
    await work;
  } catch (error) {
    if (error instanceof HttpError) return { status: error.statusCode, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('site registry (issue 17)', () => {
  const root = () => principalWith(server.app, 'admin', ALL_GRANT, 'root');
  const put = (siteId: string, document: unknown, gatewayId = 'gw-a', who = root()) =>
    server.app.sites.putSite(actor, { siteId, gatewayId, document }, authorityOf(server.app, who));

  it('keeps a site under the community its region path names, its document sealed, its hub\'s login issued once', async () => {
    const doc = homeDocument('home-e1', 'east');
    const first = await put('home-e1', doc);
    expect(first).toMatchObject({ siteId: 'home-e1', regionId: 'east-c', gatewayId: 'gw-a', created: true });
    expect(first.issued).toEqual([{ username: 'home-e1.hub', role: 'bridge', subject: 'hub', password: expect.any(String) }]);
    expect(await server.app.sites.document('home-e1')).toEqual(SiteFile.parse(doc));

    const record = await server.app.store.read((tx) => tx.registry.getSite('home-e1'));
    expect(record!.sealedDocument).not.toContain('张桂芳');
    expect(verifySecret(first.issued[0]!.password, record!.credentials[0]!.secretHash)).toBe(true);
    expect(record!.devices.map((d) => d.deviceId).sort()).toEqual(['door', 'radar', 'smoke', 'sos-button', 'watch']);

    // Putting it again keeps the hub's login; only a rotation issues a new one.
    const again = await put('home-e1', doc);
    expect(again).toMatchObject({ created: false, issued: [] });
    expect(again.version).toBeGreaterThan(first.version);
    const rotated = await server.app.sites.issueCredentials(actor, 'home-e1', authorityOf(server.app, root()));
    expect(rotated.issued).toHaveLength(1);
    expect(rotated.issued[0]!.password).not.toBe(first.issued[0]!.password);
  });

  it('refuses a document whose region path is not in the tree, naming what is missing', async () => {
    const doc = homeDocument('home-x', 'east', (f) => { f.site.region.street = '无此街道'; });
    expect(await rejection(put('home-x', doc))).toEqual({
      status: 400,
      message: 'document.site.region: 测试市 / 东区 / 无此街道 / 东社区 is not in the region tree (no region "无此街道" under 测试市 / 东区 (there: 东街道))',
    });
  });

  it('refuses a bad document with every problem as path: message, and a gateway that does not exist', async () => {
    const doc = homeDocument('home-x', 'east', (f) => { f.devices![0]!.roomId = 'attic'; });
    expect((await rejection(put('home-x', doc))).message).toBe('document.devices.0.roomId: no room "attic"');
    expect(await rejection(put('home-x', homeDocument('home-x', 'east'), 'gw-nowhere'))).toEqual({ status: 400, message: 'gatewayId: no gateway gw-nowhere' });
  });

  it('refuses a watch id another site already registered (a watch says only its id)', async () => {
    const doc = homeDocument('home-e1', 'east');
    await put('home-e1', doc);
    const copy = homeDocument('home-e2', 'east', (f) => {
      f.devices!.find((d) => d.transport === 'watch3g')!.watchId = doc.devices!.find((d) => d.transport === 'watch3g')!.watchId;
    });
    expect(await rejection(put('home-e2', copy))).toEqual({ status: 409, message: `device watch: watch id ${copy.devices![0]!.watchId} is already registered to another site` });
    expect((await server.app.sites.devicesAt(`watch:${copy.devices![0]!.watchId}`)).map((d) => d.siteId)).toEqual(['home-e1']);
  });

  it('a district\'s scope follows the registry live: a site added beneath it is in scope at once, a site moved away is not', async () => {
    const eastDesk = principalWith(server.app, 'callcentre', grantOf(['east']));
    const westDesk = principalWith(server.app, 'callcentre', grantOf(['west']));
    expect(canSeeSite(eastDesk, 'home-e1')).toBe(false);
    await put('home-e1', homeDocument('home-e1', 'east'));
    expect(canSeeSite(eastDesk, 'home-e1')).toBe(true);
    expect(canSeeSite(westDesk, 'home-e1')).toBe(false);
    await put('home-e1', homeDocument('home-e1', 'west'));
    expect([canSeeSite(eastDesk, 'home-e1'), canSeeSite(westDesk, 'home-e1')]).toEqual([false, true]);
    await server.app.sites.removeSite(actor, 'home-e1', authorityOf(server.app, root()));
    expect(canSeeSite(westDesk, 'home-e1')).toBe(false);
  });

  it('an administrator of one district adds and changes sites there only; another district\'s site looks absent', async () => {
    const westSite = homeDocument('home-w1', 'west');
    await put('home-w1', westSite);
    const eastAdmin = principalWith(server.app, 'admin', grantOf(['east']));
    expect((await put('home-e1', homeDocument('home-e1', 'east'), 'gw-a', eastAdmin)).created).toBe(true);
    expect(await rejection(put('home-e9', homeDocument('home-e9', 'west'), 'gw-a', eastAdmin)))
      .toEqual({ status: 400, message: 'document.site.region: 测试市 / 西区 / 西街道 / 西社区 is not in your scope' });
    expect(await rejection(put('home-w1', homeDocument('home-w1', 'east'), 'gw-a', eastAdmin))).toEqual({ status: 409, message: 'site id home-w1 is already in use' });
    expect(await rejection(server.app.sites.removeDevice(actor, 'home-w1', 'watch', authorityOf(server.app, eastAdmin)))).toEqual({ status: 404, message: 'no site home-w1 in your scope' });
    expect(await rejection(server.app.sites.removeSite(actor, 'home-w1', authorityOf(server.app, eastAdmin)))).toEqual({ status: 404, message: 'no site home-w1 in your scope' });
  });

  it('adds a native MQTT device with a login issued once, and removes it with its login', async () => {
    await put('home-e1', homeDocument('home-e1', 'east'));
    const added = await server.app.sites.putDevice(actor, 'home-e1', { id: 'leak', profile: 'water-leak-sensor', transport: 'mqtt', roomId: 'kitchen' }, authorityOf(server.app, root()));
    expect(added.issued).toEqual([{ username: 'home-e1.leak', role: 'device', subject: 'leak', password: expect.any(String) }]);
    expect((await server.app.sites.locateDevice('leak')).map((d) => [d.siteId, d.transport])).toEqual([['home-e1', 'mqtt']]);
    await server.app.sites.removeDevice(actor, 'home-e1', 'leak', authorityOf(server.app, root()));
    const record = await server.app.store.read((tx) => tx.registry.getSite('home-e1'));
    expect(record!.credentials.map((c) => c.username)).toEqual(['home-e1.hub']);
    expect(await server.app.sites.locateDevice('leak')).toEqual([]);
  });

  it('renaming a district rewrites the region path of every site beneath it, and their gateway is told', async () => {
    await put('home-e1', homeDocument('home-e1', 'east'));
    const before = await server.app.store.read((tx) => tx.registry.configVersionOf('gw-a'));
    const renamed = await server.app.regions.put(actor, { id: 'east', parentId: 'city', level: 'district', name: '新东区' }, () => undefined);
    expect(renamed.sitesRewritten).toBe(1);
    expect((await server.app.sites.document('home-e1'))!.site.region.district).toBe('新东区');
    expect(await server.app.store.read((tx) => tx.registry.configVersionOf('gw-a'))).toBeGreaterThan(before);
  });

  it('refuses a region change that breaks the tree, and the removal of a node with sites beneath', async () => {
    await put('home-e1', homeDocument('home-e1', 'east'));
    const regions = server.app.regions;
    expect(await rejection(regions.put(actor, { id: 'x', parentId: 'east-c', level: 'community', name: 'x' }, () => undefined)))
      .toEqual({ status: 400, message: 'parentId: nothing hangs below community "east-c" but sites' });
    expect(await rejection(regions.put(actor, { id: 'x', parentId: 'east', level: 'street', name: '东街道' }, () => undefined)))
      .toEqual({ status: 400, message: 'name: "东街道" is already the name of "east-st" here' });
    expect(await rejection(regions.put(actor, { id: 'east', parentId: 'east-c', level: 'district', name: '东区' }, () => undefined)))
      .toMatchObject({ status: 400, message: expect.stringContaining('"east-c" lies beneath "east"') });
    expect(await rejection(regions.remove(actor, 'east-c', () => undefined))).toEqual({ status: 409, message: 'region east-c has 1 site(s): remove or move them first' });
    expect(await rejection(regions.remove(actor, 'east', () => undefined))).toEqual({ status: 409, message: 'region east has regions beneath it: remove or move them first' });
  });
});
