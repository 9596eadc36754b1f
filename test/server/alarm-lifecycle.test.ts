import { describe, expect, it } from 'vitest';
import { Event } from '../../contract/index.ts';
import type { Alarm } from '../../contract/index.ts';
import { acknowledge, applyEvent, higher, isStale, resolve } from '../../server/services/alarm-lifecycle.ts';
import type { AlarmKeyState } from '../../server/services/store/types.ts';
import { event } from './helpers.ts';

const NOW = '2025-01-15T08:00:00.000Z';
let ids = 0;
const ctx = { now: NOW, newAlarmId: () => `alarm-${++ids}` };
const ev = (overrides: Parameters<typeof event>[0] = {}) => Event.parse(event(overrides));

function raised(overrides: Partial<Alarm> = {}): Alarm {
  const step = applyEvent(undefined, undefined, ev({ seq: 10, ts: 1_000 }), ctx);
  return { ...step.transition!.alarm, ...overrides };
}

describe('alarm lifecycle (IEC 62682 / ISA-18.2 state model)', () => {
  it('a raise with no open alarm opens one, active and unacknowledged, at the device time', () => {
    const step = applyEvent(undefined, undefined, ev({ seq: 3, ts: Date.UTC(2025, 0, 15, 7, 0), count: 2 }), ctx);
    expect(step.transition?.change).toBe('raised');
    expect(step.transition?.alarm).toMatchObject({ status: 'active_unack', count: 2, raisedAt: '2025-01-15T07:00:00.000Z', ackedAt: null });
    expect(step.key).toEqual({ lastSeq: 3, lastTs: Date.UTC(2025, 0, 15, 7, 0), lastAction: 'raise' });
  });

  it('a raise on an active alarm repeats it: count grows by the event count, severity keeps the higher', () => {
    const open = raised({ severity: 'major' });
    const step = applyEvent(open, { lastSeq: 10, lastTs: 1_000, lastAction: 'raise' }, ev({ seq: 11, ts: 2_000, count: 3, severity: 'critical' }), ctx);
    expect(step.transition?.change).toBe('repeated');
    expect(step.transition?.alarm).toMatchObject({ id: open.id, status: 'active_unack', count: 4, severity: 'critical' });
  });

  it('a repeat keeps an acknowledgement (the operator already knows)', () => {
    const open = raised({ status: 'active_ack', ackedAt: NOW, ackedBy: 'amy' });
    const step = applyEvent(open, { lastSeq: 10, lastTs: 1_000, lastAction: 'raise' }, ev({ seq: 11, ts: 2_000 }), ctx);
    expect(step.transition?.alarm).toMatchObject({ status: 'active_ack', ackedBy: 'amy' });
  });

  it.each([
    ['active_unack', 'cleared_unack'],
    ['active_ack', 'cleared_ack'],
  ] as const)('a clear moves %s to %s', (from, to) => {
    const step = applyEvent(raised({ status: from }), { lastSeq: 10, lastTs: 1_000, lastAction: 'raise' }, ev({ action: 'clear', seq: 11, ts: 5_000 }), ctx);
    expect(step.transition?.change).toBe('cleared');
    expect(step.transition?.alarm.status).toBe(to);
    expect(step.transition?.alarm.clearedAt).toBe(new Date(5_000).toISOString());
  });

  it.each(['cleared_unack', 'cleared_ack'] as const)('a raise on a %s alarm returns it to alarm, needing a new acknowledgement', (from) => {
    const open = raised({ status: from, ackedAt: from === 'cleared_ack' ? NOW : null, ackedBy: from === 'cleared_ack' ? 'amy' : null, clearedAt: NOW });
    const step = applyEvent(open, { lastSeq: 11, lastTs: 2_000, lastAction: 'clear' }, ev({ seq: 12, ts: 3_000 }), ctx);
    expect(step.transition?.change).toBe('raised');
    expect(step.transition?.alarm).toMatchObject({ id: open.id, status: 'active_unack', count: 2, ackedAt: null, ackedBy: null, clearedAt: null });
  });

  it('a clear with no open alarm changes nothing but remembers its position', () => {
    const step = applyEvent(undefined, undefined, ev({ action: 'clear', seq: 7, ts: 700 }), ctx);
    expect(step.transition).toBeUndefined();
    expect(step.key).toEqual({ lastSeq: 7, lastTs: 700, lastAction: 'clear' });
  });

  it('a record changes no alarm and no key', () => {
    expect(applyEvent(raised(), undefined, ev({ action: 'record', kind: 'fire.test' }), ctx)).toEqual({});
  });

  describe('out-of-order events (retries overtaken by newer ones)', () => {
    const key: AlarmKeyState = { lastSeq: 20, lastTs: 20_000, lastAction: 'raise' };

    it('an event older by both seq and time is stale; newer by either is not', () => {
      expect(isStale({ seq: 19, ts: 19_000 }, key)).toBe(true);
      expect(isStale({ seq: 20, ts: 20_000 }, key)).toBe(true);
      expect(isStale({ seq: 21, ts: 19_000 }, key)).toBe(false);
      // A gateway whose counter restarted: seq back at 0, time moving on.
      expect(isStale({ seq: 0, ts: 21_000 }, key)).toBe(false);
      expect(isStale({ seq: 0, ts: 0 }, undefined)).toBe(false);
    });

    it('a stale clear does not clear a newer raise', () => {
      const step = applyEvent(raised(), key, ev({ action: 'clear', seq: 19, ts: 19_000 }), ctx);
      expect(step).toEqual({});
    });

    it('a stale raise after its own clear still shows, as cleared and unacknowledged', () => {
      const cleared: AlarmKeyState = { lastSeq: 20, lastTs: 20_000, lastAction: 'clear' };
      const step = applyEvent(undefined, cleared, ev({ seq: 19, ts: 19_000 }), ctx);
      expect(step.transition?.change).toBe('raised');
      expect(step.transition?.alarm).toMatchObject({ status: 'cleared_unack', raisedAt: new Date(19_000).toISOString(), clearedAt: new Date(20_000).toISOString() });
      expect(step.key).toBeUndefined();
    });

    it('a stale raise on a cleared alarm counts but does not return it to alarm', () => {
      const step = applyEvent(raised({ status: 'cleared_unack' }), { ...key, lastAction: 'clear' }, ev({ seq: 19, ts: 19_000 }), ctx);
      expect(step.transition).toMatchObject({ change: 'repeated', alarm: { status: 'cleared_unack', count: 2 } });
    });

    it('a stale raise of an episode already resolved is ignored', () => {
      expect(applyEvent(undefined, key, ev({ seq: 19, ts: 19_000 }), ctx)).toEqual({});
    });

    it('the key never moves backwards on either axis', () => {
      const step = applyEvent(raised(), key, ev({ seq: 0, ts: 25_000 }), ctx);
      expect(step.key).toEqual({ lastSeq: 20, lastTs: 25_000, lastAction: 'raise' });
    });
  });

  describe('operator steps', () => {
    it.each([
      ['active_unack', 'active_ack'],
      ['cleared_unack', 'cleared_ack'],
    ] as const)('acknowledge moves %s to %s and records who and when', (from, to) => {
      const step = acknowledge(raised({ status: from }), 'amy', NOW);
      expect(step).toMatchObject({ change: 'acked', alarm: { status: to, ackedAt: NOW, ackedBy: 'amy', updatedAt: NOW } });
    });

    it.each(['active_ack', 'cleared_ack', 'resolved'] as const)('acknowledge of a %s alarm is refused with a reason', (from) => {
      const step = acknowledge(raised({ status: from }), 'amy', NOW);
      expect(step).toHaveProperty('refused');
      expect((step as { refused: string }).refused).toMatch(from === 'resolved' ? /resolved/ : /already acknowledged/);
    });

    it.each(['active_unack', 'active_ack', 'cleared_unack', 'cleared_ack'] as const)('resolve closes a %s alarm with its note', (from) => {
      expect(resolve(raised({ status: from }), 'bo', 'resident_helped', 'visited, resident fine', NOW)).toMatchObject({
        change: 'resolved',
        alarm: { status: 'resolved', resolvedBy: 'bo', resolvedAt: NOW, outcome: 'resident_helped', note: 'visited, resident fine' },
      });
    });

    it('resolve of a resolved alarm is refused', () => {
      expect(resolve(raised({ status: 'resolved' }), 'bo', 'other', 'again', NOW)).toHaveProperty('refused');
    });

    it('a critical alarm needs a note to resolve; a minor one does not', () => {
      expect(resolve(raised({ severity: 'critical' }), 'bo', 'false_alarm', '  ', NOW)).toEqual({ invalid: expect.stringMatching(/critical.*note/) });
      expect(resolve(raised({ severity: 'minor' }), 'bo', 'device_fault', undefined, NOW)).toMatchObject({ alarm: { outcome: 'device_fault', note: null } });
    });
  });

  it('critical outranks every other severity', () => {
    expect(higher('minor', 'critical')).toBe('critical');
    expect(higher('critical', 'info')).toBe('critical');
    expect(higher('warning', 'major')).toBe('major');
  });
});
