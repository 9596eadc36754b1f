/**
 * GB/T 26875.3 time label: six binary (not BCD) bytes, low unit first — second, minute, hour,
 * day, month, year − 2000 (`18 0d 11 16 0a 14` = 2020-10-22 17:13:24). Panel wall-clock time with
 * no zone on the wire (README §3); the caller says which offset the panel's clock runs in.
 */
export interface GbTimeFields {
  second: number;
  minute: number;
  hour: number;
  day: number;
  month: number;
  year: number;
}

/** China Standard Time: what the reference implementations assume (README §3). */
export const DEFAULT_TZ_OFFSET_MINUTES = 8 * 60;

export function readTimeFields(buf: Uint8Array, at: number): GbTimeFields {
  return {
    second: buf[at] as number,
    minute: buf[at + 1] as number,
    hour: buf[at + 2] as number,
    day: buf[at + 3] as number,
    month: buf[at + 4] as number,
    year: 2000 + (buf[at + 5] as number),
  };
}

/** Epoch ms of a panel time, or null when the bytes are no calendar time (a panel with an unset clock). */
export function timeFieldsToMs(t: GbTimeFields, tzOffsetMinutes: number): number | null {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.minute > 59 || t.second > 59) return null;
  const daysInMonth = new Date(Date.UTC(t.year, t.month, 0)).getUTCDate();
  if (t.day > daysInMonth) return null;
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - tzOffsetMinutes * 60_000;
}

export function msToTimeFields(ms: number, tzOffsetMinutes: number): GbTimeFields {
  const d = new Date(ms + tzOffsetMinutes * 60_000);
  return {
    second: d.getUTCSeconds(),
    minute: d.getUTCMinutes(),
    hour: d.getUTCHours(),
    day: d.getUTCDate(),
    month: d.getUTCMonth() + 1,
    year: d.getUTCFullYear(),
  };
}

export function writeTimeFields(buf: Uint8Array, at: number, t: GbTimeFields): void {
  buf[at] = t.second;
  buf[at + 1] = t.minute;
  buf[at + 2] = t.hour;
  buf[at + 3] = t.day;
  buf[at + 4] = t.month;
  buf[at + 5] = (t.year - 2000) & 0xff;
}

/** `YYYY-MM-DD HH:mm:ss` as the panel shows it (for logs and tests). */
export function formatTimeFields(t: GbTimeFields): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.year}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}:${p(t.second)}`;
}
