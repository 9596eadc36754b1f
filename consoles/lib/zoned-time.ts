// Wall-clock times of a site's zone ↔ instants, with Intl only (no DOM): also run by the unit tests.

/** The zone's offset from UTC at `utcMs`, in ms (e.g. +8 h for Asia/Shanghai). */
export function offsetMs(utcMs: number, timeZone: string): number {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(utcMs).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** A wall-clock time typed for a site ("2026-12-04T02:00") as the instant it names in the site's zone. */
export function siteWallClockToIso(local: string, timeZone: string): string {
  const naive = Date.parse(`${local}Z`);
  let utc = naive - offsetMs(naive, timeZone);
  utc = naive - offsetMs(utc, timeZone); // again, in case the first guess fell across a DST change
  return new Date(utc).toISOString();
}
