import { describe, expect, it } from 'vitest';
import { confirmFireAcrossDetectors } from '../../../../gateway/core/fire/confirm-fire-across-detectors.ts';
import { type EventDraft, deviceEvent } from '../../../../gateway/core/kit/event-draft.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { brief, marbleScheduler } from '../marbles.ts';
import { buildSite } from '../site-fixture.ts';

// Two floors. Ground floor: kitchen and corridor share the floor's zone; room 101 is its own zone.
const site = buildSite({
  buildings: [{
    id: 'b1', name: 'Main', floors: [
      { id: 'f1', name: 'Ground', level: 0, rooms: [
        { id: 'kitchen', name: 'Kitchen', type: 'kitchen' },
        { id: 'corridor', name: 'Corridor', type: 'corridor' },
        { id: 'room-101', name: 'Room 101', type: 'bedroom', zone: 'east-wing' },
        { id: 'room-102', name: 'Room 102', type: 'bedroom', zone: 'east-wing' },
      ] },
      { id: 'f2', name: 'First', level: 1, rooms: [{ id: 'lounge', name: 'Lounge', type: 'living' }] },
    ],
  }],
  devices: [
    { id: 'smoke-kitchen', profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt' },
    { id: 'heat-kitchen', profile: 'heat-detector', roomId: 'kitchen', transport: 'mqtt' },
    { id: 'smoke-corridor', profile: 'smoke-detector', roomId: 'corridor', transport: 'mqtt' },
    { id: 'smoke-101', profile: 'smoke-detector', roomId: 'room-101', transport: 'mqtt' },
    { id: 'flow-f1', profile: 'sprinkler-flow-switch', roomId: 'corridor', transport: 'mqtt' },
    { id: 'flow-f1b', profile: 'sprinkler-flow-switch', roomId: 'kitchen', transport: 'mqtt' },
    { id: 'smoke-lounge', profile: 'smoke-detector', roomId: 'lounge', transport: 'mqtt' },
  ],
});

function fireDraft(deviceId: string, kind: 'fire.smoke' | 'fire.heat' | 'fire.water_flow', action: 'raise' | 'clear'): EventDraft {
  return deviceEvent(site.devices.get(deviceId)!, { siteId: 'test', ts: 0, source: { transport: 'mqtt' } }, kind, action, 'critical');
}
const v = {
  k: fireDraft('smoke-kitchen', 'fire.smoke', 'raise'),
  K: fireDraft('smoke-kitchen', 'fire.smoke', 'clear'),
  h: fireDraft('heat-kitchen', 'fire.heat', 'raise'),
  H: fireDraft('heat-kitchen', 'fire.heat', 'clear'),
  c: fireDraft('smoke-corridor', 'fire.smoke', 'raise'),
  C: fireDraft('smoke-corridor', 'fire.smoke', 'clear'),
  r: fireDraft('smoke-101', 'fire.smoke', 'raise'),
  w: fireDraft('flow-f1', 'fire.water_flow', 'raise'),
  W: fireDraft('flow-f1', 'fire.water_flow', 'clear'),
  x: fireDraft('flow-f1b', 'fire.water_flow', 'raise'),
  l: fireDraft('smoke-lounge', 'fire.smoke', 'raise'),
};
const ground = 'zone:b1.f1';

function run(marbles: string, expected: string, values: Record<string, string> = {}, state = new MemoryRuleState()): void {
  marbleScheduler().run(({ hot, expectObservable }) => {
    const drafts = hot(marbles, v);
    expectObservable(drafts.pipe(confirmFireAcrossDetectors({ site, scheduler: drafts.scheduler, state }), brief())).toBe(expected, values);
  });
}

describe('confirmFireAcrossDetectors (EN 54-2 7.12 / GB 50116 4.1.6 coincidence)', () => {
  it('confirms two detectors of one zone within the window', () => {
    run('k 90s c', '90s 1ms a', { a: `raise fire.confirmed ${ground}` });
  });

  it('a smoke and a heat detector in one zone agree too', () => {
    run('k 10s h', '10s 1ms a', { a: `raise fire.confirmed ${ground}` });
  });

  it('does not confirm when the second alarm comes after the window (default 2 min)', () => {
    run('k 121s c', '');
  });

  it('does not confirm detectors of different zones, even on one floor', () => {
    run('k 10s r 10s l', '');
  });

  it('one detector alone never confirms, however often it alarms', () => {
    run('k K k K k', '');
  });

  it('confirms smoke plus water flow on the same floor, in the detector zone', () => {
    run('r 30s w', '30s 1ms a', { a: 'raise fire.confirmed zone:east-wing' });
  });

  it('confirms water flow followed by smoke in the same zone', () => {
    run('w 30s k', '30s 1ms a', { a: `raise fire.confirmed ${ground}` });
  });

  it('two flow switches are not a second opinion; flow on another floor is not either', () => {
    run('w x 30s l', '');
  });

  it('a third detector joins the confirmed fire; the zone clears when every contributor has', () => {
    run('k c h K C 5s H', '-a--- 5s c', { a: `raise fire.confirmed ${ground}`, c: `clear fire.confirmed ${ground}` });
  });

  it('carries the two devices that agreed and the detector room', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const drafts = hot('w 30s r', v);
      expectObservable(drafts.pipe(confirmFireAcrossDetectors({ site, scheduler: drafts.scheduler, state: new MemoryRuleState() }))).toBe('30s 1ms a', {
        a: {
          siteId: 'test', kind: 'fire.confirmed', action: 'raise', severity: 'critical', subject: 'zone:east-wing', roomId: 'room-101',
          ts: 0, source: { transport: 'mqtt' },
          details: { first: 'flow-f1', firstKind: 'fire.water_flow', second: 'smoke-101', secondKind: 'fire.smoke', withinSec: 30.001 },
        },
      });
    });
  });

  it('remembers the first detector across a restart inside the window', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const drafts = hot('k 30s c 30s K C', v);
      const rule = drafts.pipe(confirmFireAcrossDetectors({ site, scheduler: drafts.scheduler, state }), brief());
      expectObservable(rule, '^ 10s !').toBe('');
      expectObservable(rule, '20s ^').toBe('30s 1ms a 30s -c', { a: `raise fire.confirmed ${ground}`, c: `clear fire.confirmed ${ground}` });
      expectSubscriptions(drafts.subscriptions).toBe(['^ 10s !', '20s ^']);
    });
    expect(state.entries('confirm:zone:')).toEqual([]);
  });
});
