import { describe, expect, it } from 'vitest';
import type { SiteModel } from '../../gateway/site/model.ts';
import { SiteRegistry } from '../../gateway/site/site-registry.ts';
import type { SiteRuntime } from '../../gateway/site/site-runtime.ts';
import { buildSite } from './core/site-fixture.ts';

/** Runtimes that only record start/stop: the registry's own bookkeeping is under test. */
function registry(): { reg: SiteRegistry; log: string[] } {
  const log: string[] = [];
  const reg = new SiteRegistry((site: SiteModel) => ({
    site,
    start: () => log.push(`start ${site.id}`),
    stop: () => log.push(`stop ${site.id}`),
  }) as unknown as SiteRuntime);
  return { reg, log };
}

const home = (id: string, baseTopic: string, watchId: string) => buildSite({
  site: { id, kind: 'home' },
  bridges: [{ name: 'hub', baseTopic }],
  devices: [
    { id: 'watch', profile: 'watch-4g', residentId: 'ann', transport: 'watch3g', watchId },
    { id: 'door', profile: 'door-contact', roomId: 'corridor', transport: 'zigbee2mqtt', friendlyName: 'front door' },
  ],
});

describe('SiteRegistry', () => {
  it('lets homes reuse Zigbee2MQTT names (per site) but not watch ids (global)', () => {
    const { reg } = registry();
    expect(reg.upsert(home('h1', 'z2m-h1', '1000000001'))).toEqual([]);
    expect(reg.upsert(home('h2', 'z2m-h2', '1000000002'))).toEqual([]);
    expect(reg.locate('watch:1000000002')?.runtime.site.id).toBe('h2');
    const refused = reg.upsert(home('h3', 'z2m-h3', '1000000001'));
    expect(refused).toEqual([expect.stringContaining('already belongs to site "h1"')]);
    expect(reg.get('h3')).toBeUndefined();
  });

  it('refuses a bridge base topic equal to, above or below another site\'s, and frees it on removal', () => {
    const { reg } = registry();
    expect(reg.upsert(home('h1', 'zigbee2mqtt/h1', '1000000001'))).toEqual([]);
    expect(reg.upsert(home('h2', 'zigbee2mqtt/h1', '1000000002'))[0]).toMatch(/overlaps "zigbee2mqtt\/h1" of site "h1"/);
    expect(reg.upsert(home('h2', 'zigbee2mqtt', '1000000002'))[0]).toMatch(/overlaps "zigbee2mqtt\/h1" of site "h1"/);
    expect(reg.upsert(home('h2', 'zigbee2mqtt/h1/x', '1000000002'))[0]).toMatch(/overlaps "zigbee2mqtt\/h1" of site "h1"/);
    expect(reg.upsert(home('h2', 'zigbee2mqtt/h2', '1000000002'))).toEqual([]);
    expect(reg.remove('h1')).toBe(true);
    expect(reg.upsert(home('h3', 'zigbee2mqtt/h1', '1000000001'))).toEqual([]);
  });

  it('replaces a site whole: the old runtime stops before the new one starts, others untouched', () => {
    const { reg, log } = registry();
    reg.upsert(home('h1', 'z-h1', '1000000001'));
    reg.upsert(home('h2', 'z-h2', '1000000002'));
    reg.upsert(home('h1', 'z-h1', '1000000001'));
    expect(log).toEqual(['start h1', 'start h2', 'stop h1', 'start h1']);
    expect(reg.siteIds().sort()).toEqual(['h1', 'h2']);
  });
});
