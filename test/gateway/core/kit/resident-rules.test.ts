import { describe, expect, it } from 'vitest';
import { rulesFor } from '../../../../gateway/core/kit/resident-rules.ts';
import { buildSite } from '../site-fixture.ts';

describe('rulesFor', () => {
  const site = buildSite({
    rules: { wearable: { notWornGraceMin: 45, heartRate: { min: 50, max: 120, sustainSec: 60 } }, calls: { cancelWindowSec: 90 } },
    residents: [
      { id: 'ann', name: 'Ann', roomId: 'room-101', rules: { wearable: { notWornGraceMin: 10 } } },
      { id: 'bob', name: 'Bob', roomId: 'room-102' },
    ],
  });

  it('merges a resident override over the site rules, keeping the site values it does not override', () => {
    const ann = rulesFor(site, 'ann');
    expect(ann.wearable.notWornGraceMin).toBe(10);
    // zod fills the override's other fields with product defaults: they must not mask the site's
    expect(ann.wearable.heartRate).toEqual({ min: 50, max: 120, sustainSec: 60 });
    expect(ann.calls.cancelWindowSec).toBe(90);
  });

  it('gives the site rules to a resident without overrides, and without a resident', () => {
    expect(rulesFor(site, 'bob')).toBe(site.rules);
    expect(rulesFor(site, undefined)).toBe(site.rules);
  });
});
