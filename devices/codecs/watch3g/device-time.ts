/** China Standard Time: the zone most of these watches are set to out of the box. */
export const DEFAULT_TZ_OFFSET_MINUTES = 480;

/**
 * `ddmmyy` + `hhmmss` device local time (the protocol carries no zone, fixture README §4)
 * → epoch ms, given the zone the watch is set to. Undefined for impossible dates (e.g. the
 * `000000` some watches send before their first fix).
 */
export function watchTimeToEpoch(ddmmyy: string, hhmmss: string, tzOffsetMinutes = DEFAULT_TZ_OFFSET_MINUTES): number | undefined {
  if (!/^\d{6}$/.test(ddmmyy) || !/^\d{6}$/.test(hhmmss)) return undefined;
  const day = Number(ddmmyy.slice(0, 2));
  const month = Number(ddmmyy.slice(2, 4));
  const year = 2000 + Number(ddmmyy.slice(4, 6));
  const hour = Number(hhmmss.slice(0, 2));
  const minute = Number(hhmmss.slice(2, 4));
  const second = Number(hhmmss.slice(4, 6));
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return local - tzOffsetMinutes * 60_000;
}

/** The inverse, for simulators: epoch ms → `ddmmyy`, `hhmmss` in the watch's zone. */
export function epochToWatchTime(ms: number, tzOffsetMinutes = DEFAULT_TZ_OFFSET_MINUTES): { date: string; time: string } {
  const d = new Date(ms + tzOffsetMinutes * 60_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return {
    date: `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`,
    time: `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`,
  };
}
