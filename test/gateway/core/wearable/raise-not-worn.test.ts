import { describe, it } from 'vitest';
import { raiseNotWorn } from '../../../../gateway/core/wearable/raise-not-worn.ts';
import { MemoryRuleState } from '../../../../gateway/core/kit/rule-state.ts';
import { brief, marbleScheduler } from '../marbles.ts';
import { buildSite, stateOf } from '../site-fixture.ts';

// Virtual time 0 is 1970-01-01 00:00 UTC; day hours 07:00–21:00, grace 30 min.
const utc = buildSite({ site: { timezone: 'UTC' } });
const v = {
  o: stateOf('wearable-ann', { worn: false }),
  w: stateOf('wearable-ann', { worn: true }),
  h: stateOf('wearable-ann', { heart_rate: 70 }),
};
const raise = 'raise wearable.not_worn resident:ann';
const clear = 'clear wearable.not_worn resident:ann';

function run(marbles: string, expected: string, values: Record<string, string> = {}, site = utc): void {
  marbleScheduler().run(({ hot, expectObservable }) => {
    const readings = hot(marbles, v);
    expectObservable(readings.pipe(raiseNotWorn({ site, scheduler: readings.scheduler, state: new MemoryRuleState() }), brief()))
      .toBe(expected, values);
  });
}

describe('raiseNotWorn', () => {
  it('raises after the grace in day hours, and clears when worn again', () => {
    run('480m o 60m w', '510m a 30m c', { a: raise, c: clear });
  });

  it('a watch back on within the grace raises nothing', () => {
    run('480m o 10m w 60m o 20m h 5m w', '');
  });

  it('repeated worn: false (cached state) does not restart the grace', () => {
    run('480m o 10m w 60m o 20m o 5m h', '580m 2ms a', { a: raise });
  });

  it('a watch off overnight (charging) alarms only at day start + grace', () => {
    run('o', '450m a', { a: raise });
  });

  it('counts only day-hour time toward the grace', () => {
    run('1245m o', '1875m a', { a: raise });
  });

  it('reads day hours in the site time zone (Asia/Shanghai: 0 is 08:00)', () => {
    run('o', '30m a', { a: raise }, buildSite());
  });

  it('takes the resident grace and day hours over the site ones', () => {
    const own = buildSite({
      site: { timezone: 'UTC' },
      residents: [
        { id: 'ann', name: 'Ann', roomId: 'room-101', rules: { wearable: { notWornGraceMin: 5, dayHours: { start: '09:00', end: '18:00' } } } },
        { id: 'bob', name: 'Bob', roomId: 'room-102' },
      ],
    });
    run('o', '545m a', { a: raise }, own);
  });

  it('keeps the grace deadline across a restart, and does not raise twice', () => {
    const state = new MemoryRuleState();
    marbleScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const readings = hot('480m o 120m w', v);
      const rule = readings.pipe(raiseNotWorn({ site: utc, scheduler: readings.scheduler, state }), brief());
      expectObservable(rule, '^ 490m !').toBe('');
      expectObservable(rule, '500m ^ 20m !').toBe('510m a', { a: raise });
      expectObservable(rule, '540m ^').toBe('600m 1ms c', { c: clear });
      expectSubscriptions(readings.subscriptions).toBe(['^ 490m !', '500m ^ 20m !', '540m ^']);
    });
  });

  it('stops its timer on unsubscribe', () => {
    marbleScheduler().run(({ hot, expectObservable }) => {
      const readings = hot('480m o', v);
      expectObservable(readings.pipe(raiseNotWorn({ site: utc, scheduler: readings.scheduler, state: new MemoryRuleState() }), brief()), '^ 490m !')
        .toBe('');
    });
  });
});
