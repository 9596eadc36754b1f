import type { CoverageReport } from '../../../contract/index.ts';
import { KIND_TEXT, REASON_TEXT, ROOM_TEXT, TEXT, siteTime } from './coverage-text.ts';
import type { Lang } from './coverage-text.ts';

const escapeHtml = (s: string | number): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A print stylesheet: A4, no screen chrome, rows never split across pages, the signature block kept whole. */
const STYLE = `
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.4em; margin-bottom: .2em; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: .9em; }
th, td { border: 1px solid #999; padding: .25em .4em; text-align: left; vertical-align: top; }
th { background: #eee; }
tr.gap td { background: #fde8e8; }
.summary td { border: none; padding: .1em 1em .1em 0; }
.signature { margin-top: 3em; display: grid; grid-template-columns: repeat(3, 1fr); gap: 2em; page-break-inside: avoid; }
.signature div { border-top: 1px solid #111; padding-top: .3em; }
.lang { float: right; font-size: .9em; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { margin: 0; }
  .lang { display: none; }
  tr { page-break-inside: avoid; }
  thead { display: table-header-group; }
}`;

/** The printable report: site, moment, percentage, the gaps, then every item, and a signature block. */
export function coverageHtml(report: CoverageReport, lang: Lang): string {
  const t = TEXT[lang];
  const tz = report.timezone;
  const gaps = report.items.filter((i) => !i.covered);
  const other: Lang = lang === 'zh' ? 'en' : 'zh';
  const row = (i: CoverageReport['items'][number]) => `<tr class="${i.covered ? 'ok' : 'gap'}">
<td>${escapeHtml(i.buildingName)} / ${escapeHtml(i.floorName)}</td><td>${escapeHtml(i.roomName)}</td><td>${escapeHtml(ROOM_TEXT[lang][i.roomType])}</td>
<td>${escapeHtml(KIND_TEXT[lang][i.kind])}</td><td>${i.covered ? t.ok : t.gap}</td><td>${escapeHtml(i.reasons.map((r) => REASON_TEXT[lang][r]).join('、'))}</td>
<td>${i.devices.map((d) => `${escapeHtml(d.deviceId)}${d.battery === null ? '' : ` (${d.battery}%)`}<br>${escapeHtml(t.lastSeen)}: ${escapeHtml(siteTime(d.lastSeen, tz) || '—')}<br>${escapeHtml(t.lastSelfTest)}: ${escapeHtml(siteTime(d.lastSelfTest, tz) || '—')}`).join('<hr>')}</td></tr>`;
  const head = `<thead><tr><th>${t.building} / ${t.floor}</th><th>${t.room}</th><th>${t.roomType}</th><th>${t.kind}</th><th>${t.status}</th><th>${t.reasons}</th><th>${t.devices}</th></tr></thead>`;
  const list = (xs: string[]) => (xs.length === 0 ? `<p>${t.none}</p>` : `<ul>${xs.map((x) => `<li>${x}</li>`).join('')}</ul>`);
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${escapeHtml(t.title)} — ${escapeHtml(report.siteName)}</title><style>${STYLE}</style></head>
<body>
<a class="lang" href="?lang=${other}&amp;at=${encodeURIComponent(report.at)}">${other === 'en' ? 'English' : '中文'}</a>
<h1>${escapeHtml(t.title)}</h1>
<table class="summary">
<tr><td>${t.site}</td><td>${escapeHtml(report.siteName)} (${escapeHtml(report.siteId)})</td></tr>
<tr><td>${t.at}</td><td>${escapeHtml(siteTime(report.at, tz))} (${t.zone} ${escapeHtml(tz)})</td></tr>
<tr><td>${t.percent}</td><td><strong>${report.percent}%</strong> — ${t.required} ${report.required}, ${t.covered} ${report.covered}, ${t.gaps} ${gaps.length}</td></tr>
</table>
<h2>${t.gaps}</h2>
${gaps.length === 0 ? `<p>${t.noGaps}</p>` : `<table>${head}<tbody>${gaps.map(row).join('\n')}</tbody></table>`}
<h2>${t.unregistered}</h2>
${list(report.unregisteredSeen.map((d) => `${escapeHtml(d.deviceId)} — ${escapeHtml(siteTime(d.lastSeen, tz))}`))}
<h2>${t.neverSeen}</h2>
${list(report.registeredNeverSeen.map((d) => `${escapeHtml(d.deviceId)} (${escapeHtml(d.profile)})`))}
<h2>${t.devices}</h2>
<table>${head}<tbody>${report.items.map(row).join('\n')}</tbody></table>
<div class="signature"><div>${t.signature}</div><div>${t.unit}</div><div>${t.date}</div></div>
</body></html>
`;
}
