import { describe, expect, it } from 'vitest';
import { buildSite } from './site-fixture.ts';

describe('site fixture', () => {
  it('builds the default site with placed rooms, zones and residents', () => {
    const site = buildSite();
    expect(site.id).toBe('test');
    expect(site.devices.get('smoke-kitchen')?.zone).toBe('b1.f1');
    expect(site.devices.get('wearable-ann')?.residentId).toBe('ann');
    expect(site.rules.fire.waterFlowRetardSec).toBe(10);
  });

  it('merges the site header and replaces whole sections', () => {
    const site = buildSite({ site: { timezone: 'UTC' }, rules: { fire: { waterFlowRetardSec: 30 } } });
    expect(site.file.site.timezone).toBe('UTC');
    expect(site.file.site.name).toBe('Test care home');
    expect(site.rules.fire.waterFlowRetardSec).toBe(30);
  });
});
