import type { CoverageReport } from '../../../contract/index.ts';
import { KIND_TEXT, REASON_TEXT, ROOM_TEXT, TEXT, siteTime } from './coverage-text.ts';
import type { Lang } from './coverage-text.ts';

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function field(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * `coverage.csv`: one line per room × required kind, times on the site's clock. Starts with a
 * UTF-8 byte order mark so spreadsheet programs open the Chinese text as UTF-8.
 */
export function coverageCsv(report: CoverageReport, lang: Lang): string {
  const t = TEXT[lang];
  const tz = report.timezone;
  const rows: Array<Array<string | number>> = [[
    t.building, t.floor, t.room, t.roomType, t.kind, t.status, t.reasons, t.devices, t.online, t.battery, t.lastSeen, t.lastSelfTest, t.daysSinceTest,
  ]];
  for (const item of report.items) {
    const d = item.devices;
    rows.push([
      item.buildingName, item.floorName, item.roomName, ROOM_TEXT[lang][item.roomType], KIND_TEXT[lang][item.kind],
      item.covered ? t.ok : t.gap, item.reasons.map((r) => REASON_TEXT[lang][r]).join('; '),
      d.map((x) => x.deviceId).join('; '),
      d.map((x) => (x.online === null ? '' : x.online ? t.yes : t.no)).join('; '),
      d.map((x) => (x.battery === null ? '' : `${x.battery}%`)).join('; '),
      d.map((x) => siteTime(x.lastSeen, tz)).join('; '),
      d.map((x) => siteTime(x.lastSelfTest, tz)).join('; '),
      d.map((x) => (x.daysSinceTest === null ? '' : x.daysSinceTest)).join('; '),
    ]);
  }
  return `\uFEFF${rows.map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}
