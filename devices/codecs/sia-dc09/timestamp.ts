/**
 * DC-09 timestamp `_HH:MM:SS,MM-DD-YYYY`, always UTC (ANSI/SIA DC-09-2013 5.5.1.9). Required in
 * encrypted messages and optional in clear ones; receivers refuse a message whose time is off by
 * more than their window (+20 s / −40 s in the standard) and answer NAK with their own time.
 */
const PATTERN = /^_(\d{2}):(\d{2}):(\d{2}),(\d{2})-(\d{2})-(\d{4})$/;

export function formatDc09Timestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `_${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())},${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${d.getUTCFullYear()}`;
}

/** Epoch ms of a timestamp field, or null when it is not one (wrong shape or no calendar time). */
export function parseDc09Timestamp(text: string): number | null {
  const m = PATTERN.exec(text);
  if (!m) return null;
  const [hh, mi, ss, mo, dd, yyyy] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (hh > 23 || mi > 59 || ss > 59 || mo < 1 || mo > 12 || dd < 1) return null;
  const ms = Date.UTC(yyyy, mo - 1, dd, hh, mi, ss);
  return new Date(ms).getUTCDate() === dd ? ms : null;
}

export const DC09_TIMESTAMP_LENGTH = 20;
