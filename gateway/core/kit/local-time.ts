import type { TimeWindow } from '../../../contract/index.ts';

/**
 * Local wall-clock time for rules with "HH:MM" windows (night, active period, wearable day hours).
 * Windows are in the site's IANA time zone (`site.timezone`, default Asia/Shanghai) and may cross
 * midnight (`22:00`–`06:00`); `start === end` means the whole day. Instants are epoch ms and come
 * from the scheduler — this module never reads the clock.
 *
 * "Wall ms" below = the local date and time written as if it were UTC: epoch ms + the zone's offset.
 */

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Every real UTC-offset change falls on a quarter hour, so one offset holds for a whole bucket. */
const OFFSET_BUCKET = 15 * MINUTE;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Zone → 15-minute bucket → offset. */
const offsets = new Map<string, Map<number, number>>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // Throws RangeError for an unknown zone; sites are checked with isTimeZone() when loaded.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (validate `site.timezone` once, at load). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `epochMs`, in ms (Asia/Shanghai: +8 h). */
export function utcOffsetMs(epochMs: number, timeZone: string): number {
  const bucket = Math.floor(epochMs / OFFSET_BUCKET);
  let perZone = offsets.get(timeZone);
  if (!perZone) {
    perZone = new Map();
    offsets.set(timeZone, perZone);
  }
  const cached = perZone.get(bucket);
  if (cached !== undefined) return cached;
  const at = bucket * OFFSET_BUCKET;
  const p: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  const offset = wall - at;
  // Rules ask about "now", past deadlines and window edges in turn: keep several buckets, bounded.
  if (perZone.size >= 256) perZone.clear();
  perZone.set(bucket, offset);
  return offset;
}

/** "HH:MM" → minutes after midnight. */
export function clockMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Local minutes after midnight (0–1439) of an instant. */
export function minuteOfDay(epochMs: number, timeZone: string): number {
  const wall = epochMs + utcOffsetMs(epochMs, timeZone);
  return Math.floor((((wall % DAY) + DAY) % DAY) / MINUTE);
}

/** Whether a local minute of day is in the window: start inclusive, end exclusive, across midnight too. */
export function isMinuteInWindow(minute: number, window: TimeWindow): boolean {
  const start = clockMinutes(window.start);
  const end = clockMinutes(window.end);
  if (start === end) return true;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** Whether an instant falls inside a local-time window. */
export function isInWindow(epochMs: number, window: TimeWindow, timeZone: string): boolean {
  return isMinuteInWindow(minuteOfDay(epochMs, timeZone), window);
}

/** The instant a local wall time happens (two passes settle the offset across a DST change). */
function wallToEpoch(wallMs: number, timeZone: string): number {
  const guess = wallMs - utcOffsetMs(wallMs, timeZone);
  return wallMs - utcOffsetMs(guess, timeZone);
}

/** The instant of local midnight starting the day that contains `epochMs`. */
export function localDayStart(epochMs: number, timeZone: string): number {
  const wall = epochMs + utcOffsetMs(epochMs, timeZone);
  return wallToEpoch(Math.floor(wall / DAY) * DAY, timeZone);
}

export interface Occurrence {
  start: number;
  end: number;
}

/**
 * The occurrence of a daily window that contains `epochMs`, else the next one after it.
 * A window crossing midnight belongs to the day it starts on.
 */
export function windowOccurrence(epochMs: number, window: TimeWindow, timeZone: string): Occurrence {
  const start = clockMinutes(window.start);
  const end = clockMinutes(window.end);
  const endDayShift = end <= start ? 1 : 0;
  const wallDay = Math.floor((epochMs + utcOffsetMs(epochMs, timeZone)) / DAY) * DAY;
  for (let k = -1; k <= 2; k++) {
    const day = wallDay + k * DAY;
    const occ = {
      start: wallToEpoch(day + start * MINUTE, timeZone),
      end: wallToEpoch(day + endDayShift * DAY + end * MINUTE, timeZone),
    };
    if (occ.end > epochMs) return occ;
  }
  /* c8 ignore next */
  throw new Error('unreachable: a daily window recurs within two days');
}

/** The next occurrence of a window that starts strictly after `epochMs`. */
export function nextWindowAfter(epochMs: number, window: TimeWindow, timeZone: string): Occurrence {
  let occ = windowOccurrence(epochMs, window, timeZone);
  while (occ.start <= epochMs) occ = windowOccurrence(occ.end, window, timeZone);
  return occ;
}

/**
 * The instant at which `budgetMs` of time inside the window has passed since `fromMs`: the
 * continuous no-activity deadline ("N hours without activity within the active period" counts
 * only active-period time, so an evening's last movement carries over into the next morning).
 */
export function afterWindowTime(fromMs: number, budgetMs: number, window: TimeWindow, timeZone: string): number {
  let t = fromMs;
  let left = budgetMs;
  // Bounded: each pass consumes one whole occurrence (≥ 1 min); 48 h budget ⇒ at most ~2,900 passes
  // for a one-minute window, a handful for real ones.
  for (;;) {
    const occ = windowOccurrence(t, window, timeZone);
    const from = Math.max(t, occ.start);
    if (from + left <= occ.end) return from + left;
    left -= occ.end - from;
    t = occ.end;
  }
}

/** The first instant after `epochMs` at which the local clock reads `hhmm` (a latest return time). */
export function nextClockTime(epochMs: number, hhmm: string, timeZone: string): number {
  const wallDay = Math.floor((epochMs + utcOffsetMs(epochMs, timeZone)) / DAY) * DAY;
  for (let k = 0; k <= 2; k++) {
    const t = wallToEpoch(wallDay + k * DAY + clockMinutes(hhmm) * MINUTE, timeZone);
    if (t > epochMs) return t;
  }
  /* c8 ignore next */
  throw new Error('unreachable: a clock time recurs within two days');
}
