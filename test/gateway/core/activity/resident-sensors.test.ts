import { describe, expect, it } from 'vitest';
import { indexResidentSensors } from '../../../../gateway/core/activity/resident-sensors.ts';
import { buildSite } from '../site-fixture.ts';
import { homeSite } from '../site-fixture-activity.ts';

describe('which sensors speak for which resident', () => {
  it("institution: the resident's own devices and unassigned activity sensors in their room", () => {
    const site = buildSite({
      devices: [
        { id: 'motion-101', profile: 'motion-sensor', roomId: 'room-101', transport: 'mqtt' },
        { id: 'bed-101', profile: 'bed-sensor', roomId: 'room-101', residentId: 'ann', transport: 'mqtt' },
        { id: 'motion-corridor', profile: 'motion-sensor', roomId: 'corridor', transport: 'mqtt' },
        { id: 'smoke-102', profile: 'smoke-detector', roomId: 'room-102', transport: 'mqtt' },
      ],
    });
    const index = indexResidentSensors(site);
    expect([...index.residents.keys()]).toEqual(['ann']); // Bob has no activity sensor: not watched
    expect([...index.residents.get('ann')!.sensors].sort()).toEqual(['bed-101', 'motion-101']);
    expect(index.residents.get('ann')!.livingAlone).toBe(false);
    expect(index.byDevice.get('motion-corridor')).toBeUndefined();
  });

  it('home: every unassigned sensor of the home; the entrance door is the way out', () => {
    const index = indexResidentSensors(homeSite());
    const li = index.residents.get('li')!;
    expect(li.livingAlone).toBe(true);
    expect([...li.sensors].sort()).toEqual(['bed-li', 'door-bath', 'door-hall', 'motion-living', 'radar-bedroom', 'watch-li']);
    expect([...li.homeDoors]).toEqual(['door-hall']);
  });

  it("merges a resident's overrides over the site's rules, keeping the site's where the resident says nothing", () => {
    const site = buildSite({
      rules: { inactivity: { noActivityHours: 6, bedExitReturnMin: 45 } },
      residents: [
        { id: 'ann', name: 'Ann', roomId: 'room-101', livesAlone: true, rules: { inactivity: { noActivityHours: 2 } } },
        { id: 'bob', name: 'Bob', roomId: 'room-102' },
      ],
    });
    const index = indexResidentSensors(site);
    expect(index.residents.get('ann')!.rules).toMatchObject({ noActivityHours: 2, bedExitReturnMin: 45 });
    expect(index.residents.get('ann')!.livingAlone).toBe(true);
    expect(index.residents.get('bob')!.rules).toMatchObject({ noActivityHours: 6, bedExitReturnMin: 45 });
  });
});
