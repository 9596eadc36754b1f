import { describe, expect, it } from 'vitest';
import {
  afterWindowTime, clockMinutes, isInWindow, isMinuteInWindow, isTimeZone, localDayStart, minuteOfDay,
  nextWindowAfter, utcOffsetMs, windowOccurrence,
} from '../../../../gateway/core/kit/local-time.ts';

const SH = 'Asia/Shanghai';
const H = 3_600_000;
/** 2024-01-16 00:00 in Shanghai (UTC+8, no DST). */
const MIDNIGHT_SH = Date.UTC(2024, 0, 15, 16, 0);
const NIGHT = { start: '22:00', end: '06:00' };
const DAY_HOURS = { start: '07:00', end: '22:00' };

describe('local time in the site zone', () => {
  it('Asia/Shanghai is UTC+8 all year (no DST)', () => {
    expect(utcOffsetMs(Date.UTC(2024, 0, 1), SH)).toBe(8 * H);
    expect(utcOffsetMs(Date.UTC(2024, 6, 1), SH)).toBe(8 * H);
  });

  it('minute of day is the local clock, not UTC', () => {
    // 14:30 UTC is 22:30 in Shanghai
    expect(minuteOfDay(Date.UTC(2024, 0, 15, 14, 30), SH)).toBe(22 * 60 + 30);
    expect(minuteOfDay(Date.UTC(2024, 0, 15, 14, 30), 'UTC')).toBe(14 * 60 + 30);
    expect(minuteOfDay(0, SH)).toBe(8 * 60);
  });

  it('follows a DST zone across its change (Europe/Berlin, 2024-03-31 02:00 → 03:00)', () => {
    expect(utcOffsetMs(Date.UTC(2024, 2, 31, 0, 59), 'Europe/Berlin')).toBe(1 * H);
    expect(utcOffsetMs(Date.UTC(2024, 2, 31, 1, 0), 'Europe/Berlin')).toBe(2 * H);
    expect(minuteOfDay(Date.UTC(2024, 2, 31, 1, 0), 'Europe/Berlin')).toBe(3 * 60);
    // Night 22:00–06:00 that night lasts 7 real hours
    const occ = windowOccurrence(Date.UTC(2024, 2, 30, 22, 0), NIGHT, 'Europe/Berlin');
    expect(occ.end - occ.start).toBe(7 * H);
  });

  it('knows real zones from made-up ones', () => {
    expect(isTimeZone(SH)).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it('parses HH:MM', () => {
    expect(clockMinutes('00:00')).toBe(0);
    expect(clockMinutes('23:59')).toBe(1439);
    expect(clockMinutes('07:30')).toBe(450);
  });
});

describe('windows', () => {
  it('a day window holds start, not end', () => {
    expect(isMinuteInWindow(7 * 60, DAY_HOURS)).toBe(true);
    expect(isMinuteInWindow(22 * 60 - 1, DAY_HOURS)).toBe(true);
    expect(isMinuteInWindow(22 * 60, DAY_HOURS)).toBe(false);
    expect(isMinuteInWindow(6 * 60, DAY_HOURS)).toBe(false);
  });

  it('a night window crosses midnight', () => {
    expect(isMinuteInWindow(22 * 60, NIGHT)).toBe(true);
    expect(isMinuteInWindow(23 * 60 + 59, NIGHT)).toBe(true);
    expect(isMinuteInWindow(0, NIGHT)).toBe(true);
    expect(isMinuteInWindow(5 * 60 + 59, NIGHT)).toBe(true);
    expect(isMinuteInWindow(6 * 60, NIGHT)).toBe(false);
    expect(isMinuteInWindow(12 * 60, NIGHT)).toBe(false);
  });

  it('start equal to end is the whole day', () => {
    for (const m of [0, 360, 1439]) expect(isMinuteInWindow(m, { start: '08:00', end: '08:00' })).toBe(true);
  });

  it('tests instants in the site zone', () => {
    expect(isInWindow(MIDNIGHT_SH + 23 * H, NIGHT, SH)).toBe(true);
    expect(isInWindow(MIDNIGHT_SH + 23 * H, NIGHT, 'UTC')).toBe(false); // 15:00 UTC
  });

  it('local midnight of the day holding an instant', () => {
    expect(localDayStart(MIDNIGHT_SH + 13 * H, SH)).toBe(MIDNIGHT_SH);
    expect(localDayStart(MIDNIGHT_SH - 1, SH)).toBe(MIDNIGHT_SH - 24 * H);
  });

  it('finds the night occurrence holding 02:00 (it began the evening before)', () => {
    const occ = windowOccurrence(MIDNIGHT_SH + 2 * H, NIGHT, SH);
    expect(occ).toEqual({ start: MIDNIGHT_SH - 2 * H, end: MIDNIGHT_SH + 6 * H });
  });

  it('finds the next occurrence when outside the window', () => {
    expect(windowOccurrence(MIDNIGHT_SH + 12 * H, NIGHT, SH)).toEqual({ start: MIDNIGHT_SH + 22 * H, end: MIDNIGHT_SH + 30 * H });
    expect(nextWindowAfter(MIDNIGHT_SH + 23 * H, NIGHT, SH)).toEqual({ start: MIDNIGHT_SH + 46 * H, end: MIDNIGHT_SH + 54 * H });
  });

  it('counts only in-window time towards a budget, carrying over night', () => {
    // 4 h of 07:00–22:00 from 21:30: half an hour today, 3.5 h tomorrow → 10:30
    expect(afterWindowTime(MIDNIGHT_SH + 21.5 * H, 4 * H, DAY_HOURS, SH)).toBe(MIDNIGHT_SH + 24 * H + 10.5 * H);
    // from 03:00 (before the period) → 07:00 + 4 h
    expect(afterWindowTime(MIDNIGHT_SH + 3 * H, 4 * H, DAY_HOURS, SH)).toBe(MIDNIGHT_SH + 11 * H);
    // inside → plain addition
    expect(afterWindowTime(MIDNIGHT_SH + 8 * H, 4 * H, DAY_HOURS, SH)).toBe(MIDNIGHT_SH + 12 * H);
    // a night-time period crossing midnight: 2 h of 22:00–06:00 from 23:30 → 01:30
    expect(afterWindowTime(MIDNIGHT_SH + 23.5 * H, 2 * H, NIGHT, SH)).toBe(MIDNIGHT_SH + 25.5 * H);
  });
});
