import { describe, expect, it } from 'vitest';
import type { Alarm } from '../../contract/index.ts';
import { byPriority } from '../../consoles/lib/order.ts';
import { siteWallClockToIso } from '../../consoles/lib/zoned-time.ts';

describe('the consoles\' pure helpers', () => {
  it('reads a typed wall-clock time in the site\'s zone (IANA tz: Shanghai UTC+8 all year; London BST in July)', () => {
    expect(siteWallClockToIso('2026-12-04T02:00', 'Asia/Shanghai')).toBe('2026-12-03T18:00:00.000Z');
    expect(siteWallClockToIso('2026-07-01T02:00', 'Europe/London')).toBe('2026-07-01T01:00:00.000Z');
    expect(siteWallClockToIso('2026-12-01T02:00', 'Europe/London')).toBe('2026-12-01T02:00:00.000Z');
  });

  it('orders by severity, then unacknowledged first, then the oldest (IEC 62682 § 11.3: priority first)', () => {
    const a = (id: string, severity: Alarm['severity'], status: Alarm['status'], raisedAt: string) => ({ id, severity, status, raisedAt }) as Alarm;
    const list = [
      a('minor-old', 'minor', 'active_unack', '2026-12-04T01:00:00Z'),
      a('crit-acked', 'critical', 'active_ack', '2026-12-04T01:00:00Z'),
      a('crit-new', 'critical', 'active_unack', '2026-12-04T03:00:00Z'),
      a('crit-old', 'critical', 'active_unack', '2026-12-04T02:00:00Z'),
      a('major', 'major', 'cleared_unack', '2026-12-04T00:00:00Z'),
    ];
    expect(list.sort(byPriority).map((x) => x.id)).toEqual(['crit-old', 'crit-new', 'crit-acked', 'major', 'minor-old']);
  });
});
