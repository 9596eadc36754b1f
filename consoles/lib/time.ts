// Times in the site's own time zone (a regional call centre may sit elsewhere), in the page's language.
import { lang } from './i18n.ts';

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${lang()}|${timeZone}|${withDate}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang() === 'zh' ? 'zh-CN' : 'en-GB', {
      timeZone, hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit',
      ...(withDate ? { month: '2-digit', day: '2-digit' } : {}),
    });
    formats.set(key, f);
  }
  return f;
}

/** "03:10:42" today in the site's zone, "12/04 03:10:42" otherwise. */
export function siteTime(iso: string | number, timeZone: string, now = Date.now()): string {
  const at = typeof iso === 'number' ? iso : Date.parse(iso);
  const day = (ms: number) => format(timeZone, true).format(ms).slice(0, 5);
  return format(timeZone, day(at) !== day(now)).format(at);
}

/** "45 s", "3 min", "2 h 05" — how long an alarm has waited. */
export function age(fromIso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')}`;
}

