import { describe, expect, it } from 'vitest';
import type { RegionNode } from '../../contract/index.ts';
import type { SiteRecord } from '../../server/services/store/registry-store.ts';
import type { StoreUnderTest } from './store-contract.ts';

export const region = (id: string, parentId: string | null, level: RegionNode['level'], name = id): RegionNode => ({ id, parentId, level, name });

export const siteRecord = (siteId: string, overrides: Partial<SiteRecord> = {}): SiteRecord => ({
  siteId, regionId: 'c1', gatewayId: 'gw-1', kind: 'home', version: 1, updatedAt: 1000, sealedDocument: `sealed(${siteId})`,
  devices: [{ deviceId: 'watch', profile: 'watch-4g', transport: 'watch3g', roomId: null, residentId: 'r1', addressKey: `key-${siteId}` }],
  credentials: [{ username: `${siteId}.hub`, secretHash: `sha256$${'0'.repeat(32)}$${'1'.repeat(64)}`, role: 'bridge', subject: 'hub', issuedAt: 1000 }],
  ...overrides,
});

/**
 * The site registry store's contract (regions, sites with their device index and credentials, the
 * provisioning version and each gateway's configuration log), for every implementation.
 */
export function describeRegistryStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`registry store contract: ${name}`, () => {
    const withStore = (body: (t: StoreUnderTest) => Promise<void>) => async () => {
      const t = await open();
      try {
        await body(t);
      } finally {
        await t.dispose();
      }
    };

    it('keeps the region tree: added, renamed, removed, across a reopen', withStore(async (t) => {
      await t.store.write(async (tx) => {
        await tx.registry.putRegion(region('hz', null, 'city', '杭州市'));
        await tx.registry.putRegion(region('sc', 'hz', 'district', '上城区'));
        await tx.registry.putRegion(region('xh', 'hz', 'district', '西湖区'));
      });
      await t.store.write((tx) => tx.registry.putRegion(region('sc', 'hz', 'district', '上城')));
      expect(await t.store.write((tx) => tx.registry.removeRegion('xh'))).toBe(true);
      expect(await t.store.write((tx) => tx.registry.removeRegion('xh'))).toBe(false);
      const store = await t.reopen();
      expect(await store.read((tx) => tx.registry.regions())).toEqual([region('hz', null, 'city', '杭州市'), region('sc', 'hz', 'district', '上城')]);
    }));

    it('keeps a site with its device index and credentials, replaces them whole, and removes them with it', withStore(async (t) => {
      await t.store.write((tx) => tx.registry.putSite(siteRecord('home-1')));
      expect(await t.store.read((tx) => tx.registry.getSite('home-1'))).toEqual(siteRecord('home-1'));
      const changed = siteRecord('home-1', {
        gatewayId: 'gw-2', version: 2,
        devices: [{ deviceId: 'smoke', profile: 'smoke-detector', transport: 'platform', roomId: 'kitchen', residentId: null, addressKey: 'k2' }],
        credentials: [],
      });
      await t.store.write((tx) => tx.registry.putSite(changed));
      expect(await t.store.read((tx) => tx.registry.getSite('home-1'))).toEqual(changed);
      expect(await t.store.read((tx) => tx.registry.devicesByAddress('key-home-1'))).toEqual([]);
      expect(await t.store.read((tx) => tx.registry.credentialOwner('home-1.hub'))).toBeUndefined();
      expect(await t.store.write((tx) => tx.registry.removeSite('home-1'))).toBe(true);
      expect(await t.store.read((tx) => tx.registry.getSite('home-1'))).toBeUndefined();
      expect(await t.store.read((tx) => tx.registry.devicesById('smoke'))).toEqual([]);
      expect(await t.store.write((tx) => tx.registry.removeSite('home-1'))).toBe(false);
    }));

    it('finds sites by gateway, devices by address key and by id, and credentials by username', withStore(async (t) => {
      await t.store.write(async (tx) => {
        await tx.registry.putSite(siteRecord('home-1'));
        await tx.registry.putSite(siteRecord('home-2', { gatewayId: 'gw-2', regionId: 'c2' }));
        await tx.registry.putSite(siteRecord('home-3'));
      });
      expect((await t.store.read((tx) => tx.registry.sitesOfGateway('gw-1'))).map((s) => s.siteId)).toEqual(['home-1', 'home-3']);
      expect(await t.store.read((tx) => tx.registry.devicesByAddress('key-home-2'))).toEqual([{ siteId: 'home-2', ...siteRecord('home-2').devices[0]! }]);
      expect((await t.store.read((tx) => tx.registry.devicesById('watch'))).map((d) => d.siteId)).toEqual(['home-1', 'home-2', 'home-3']);
      expect(await t.store.read((tx) => tx.registry.credentialOwner('home-3.hub'))).toBe('home-3');
      expect(await t.store.read((tx) => tx.registry.siteRefs())).toEqual(['home-1', 'home-2', 'home-3'].map((id) => {
        const { sealedDocument: _s, devices: _d, credentials: _c, ...ref } = siteRecord(id, id === 'home-2' ? { gatewayId: 'gw-2', regionId: 'c2' } : {});
        return ref;
      }));
    }));

    it('refuses an MQTT username another site holds (usernames are unique installation-wide)', withStore(async (t) => {
      await t.store.write((tx) => tx.registry.putSite(siteRecord('home-1')));
      const clash = siteRecord('home-2', { credentials: siteRecord('home-1').credentials });
      await expect(t.store.write((tx) => tx.registry.putSite(clash))).rejects.toThrow();
      expect(await t.store.read((tx) => tx.registry.getSite('home-2'))).toBeUndefined();
    }));

    it('hands out provisioning versions in order, and a rolled-back unit takes its version back', withStore(async (t) => {
      expect(await t.store.read((tx) => tx.registry.version())).toBe(0);
      expect(await t.store.write((tx) => tx.registry.nextVersion())).toBe(1);
      await expect(t.store.write(async (tx) => { await tx.registry.nextVersion(); throw new Error('abandoned'); })).rejects.toThrow('abandoned');
      expect(await t.store.write((tx) => tx.registry.nextVersion())).toBe(2);
      const store = await t.reopen();
      expect(await store.read((tx) => tx.registry.version())).toBe(2);
    }));

    it('logs configuration changes per gateway: newest version per site, after a given version', withStore(async (t) => {
      await t.store.write(async (tx) => {
        await tx.registry.logConfigChange({ gatewayId: 'gw-1', siteId: 'home-1', version: 1 });
        await tx.registry.logConfigChange({ gatewayId: 'gw-1', siteId: 'home-2', version: 2 });
        await tx.registry.logConfigChange({ gatewayId: 'gw-2', siteId: 'home-3', version: 3 });
        await tx.registry.logConfigChange({ gatewayId: 'gw-1', siteId: 'home-1', version: 4 });
      });
      expect(await t.store.read((tx) => tx.registry.configChangesSince('gw-1', 0))).toEqual([
        { gatewayId: 'gw-1', siteId: 'home-2', version: 2 },
        { gatewayId: 'gw-1', siteId: 'home-1', version: 4 },
      ]);
      expect(await t.store.read((tx) => tx.registry.configChangesSince('gw-1', 2))).toEqual([{ gatewayId: 'gw-1', siteId: 'home-1', version: 4 }]);
      expect(await t.store.read((tx) => tx.registry.configChangesSince('gw-1', 4))).toEqual([]);
      expect(await t.store.read((tx) => tx.registry.configVersionOf('gw-1'))).toBe(4);
      expect(await t.store.read((tx) => tx.registry.configVersionOf('gw-9'))).toBe(0);
    }));
  });
}
