import type { InstallerSheet, SheetLine, SiteFile } from '../../../contract/index.ts';
import type { IssuedSecret } from './site-registry.ts';

/**
 * The installer's sheet of a site (issue 17): each device, where it goes, how the gateway knows
 * it, and — on a sheet made with new secrets — the MQTT login to type into it. The registry keeps
 * only hashes, so a sheet without new secrets says where a login is but never what it is.
 */
export function buildSheet(doc: SiteFile, gatewayId: string, credentials: ReadonlyArray<{ username: string; subject: string; role: 'device' | 'bridge' }>, issued: readonly IssuedSecret[], at: number): InstallerSheet {
  const rooms = new Map<string, string>();
  for (const b of doc.buildings) for (const f of b.floors) for (const r of f.rooms) rooms.set(r.id, `${b.name} / ${f.name} / ${r.name}`);
  const residents = new Map(doc.residents.map((r) => [r.id, r]));
  const loginOf = (role: 'device' | 'bridge', subject: string) => {
    const cred = credentials.find((c) => c.role === role && c.subject === subject);
    const secret = issued.find((s) => s.role === role && s.subject === subject);
    return { ...(cred ? { mqttUsername: cred.username } : {}), ...(secret ? { mqttUsername: secret.username, mqttPassword: secret.password } : {}) };
  };
  const lines: SheetLine[] = doc.devices.map((d) => {
    const resident = d.residentId ? residents.get(d.residentId) : undefined;
    const room = d.roomId ? rooms.get(d.roomId) ?? d.roomId : resident ? rooms.get(resident.roomId) ?? resident.roomId : '';
    const where = [room, resident ? `${resident.name} (${resident.id})` : ''].filter(Boolean).join(' · ');
    return { deviceId: d.id, profile: d.profile, transport: d.transport, where, address: addressOf(d), ...loginOf('device', d.id) };
  });
  for (const b of doc.bridges.filter((x) => !x.external)) {
    lines.push({ deviceId: b.name, profile: 'zigbee2mqtt hub', transport: 'mqtt', where: '', address: `${b.baseTopic}/#`, ...loginOf('bridge', b.name) });
  }
  return { siteId: doc.site.id, siteName: doc.site.name, gatewayId, generatedAt: localTime(at, doc.site.timezone), lines };
}

function addressOf(d: SiteFile['devices'][number]): string {
  switch (d.transport) {
    case 'mqtt': return `carewatch/{site}/devices/${d.id}/state`;
    case 'zigbee2mqtt': return `friendly_name ${d.friendlyName ?? ''}`;
    case 'watch3g': return `IMEI/ID ${d.watchId ?? ''}`;
    case 'platform': return `${d.platform ?? ''} ${d.platformDeviceId ?? ''}`;
    case 'rflink': return d.rflink ? `${d.rflink.protocol};ID=${d.rflink.id}${d.rflink.switch ? `;SWITCH=${d.rflink.switch}` : ''}` : '';
    case 'gb26875': return d.gb26875 ? `GB/T 26875 ${d.gb26875.systemAddress}:${d.gb26875.componentAddress}` : '';
  }
}

/** "2026-12-05 15:31 Asia/Shanghai": the sheet is read on site, in the site's time (HELPERS: times in the site's zone). */
function localTime(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(at);
  return `${parts} ${timeZone}`;
}

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled. */
export function sheetCsv(sheet: InstallerSheet): string {
  const cell = (v: string | undefined) => (v === undefined ? '' : /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const head = ['deviceId', 'profile', 'transport', 'where', 'address', 'mqttUsername', 'mqttPassword'];
  const rows = sheet.lines.map((l) => [l.deviceId, l.profile, l.transport, l.where, l.address, l.mqttUsername, l.mqttPassword].map(cell).join(','));
  return `${head.join(',')}\r\n${rows.map((r) => `${r}\r\n`).join('')}`;
}

const LABELS = {
  zh: { title: '安装单', site: '场所', gateway: '网关', generated: '生成时间', device: '设备', profile: '型号', transport: '接入方式', where: '安装位置', address: '地址', user: 'MQTT 用户名', password: 'MQTT 密码', hidden: '（已签发，仅显示一次；需要时重新签发）', note: '密码只在本单上出现一次：安装后请销毁本单。' },
  en: { title: "Installer's sheet", site: 'Site', gateway: 'Gateway', generated: 'Generated', device: 'Device', profile: 'Profile', transport: 'Link', where: 'Where it goes', address: 'Address', user: 'MQTT username', password: 'MQTT password', hidden: '(issued, shown once; issue new ones if needed)', note: 'Passwords appear once, on this sheet only: destroy it after installation.' },
} as const;

/** A printable page (Simplified Chinese by default, English selectable). */
export function sheetHtml(sheet: InstallerSheet, lang: 'zh' | 'en' = 'zh'): string {
  const t = LABELS[lang];
  const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = sheet.lines.map((l) => `<tr><td>${esc(l.deviceId)}</td><td>${esc(l.profile)}</td><td>${esc(l.transport)}</td><td>${esc(l.where)}</td><td><code>${esc(l.address)}</code></td>`
    + `<td><code>${esc(l.mqttUsername ?? '')}</code></td><td><code>${l.mqttPassword ? esc(l.mqttPassword) : l.mqttUsername ? esc(t.hidden) : ''}</code></td></tr>`).join('\n');
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${esc(t.title)} — ${esc(sheet.siteName)}</title>
<style>body{font:12pt sans-serif;margin:1.5cm}table{border-collapse:collapse;width:100%}th,td{border:1px solid #444;padding:4px 6px;text-align:left;vertical-align:top}code{font-size:10pt;word-break:break-all}@media print{a{display:none}}</style></head>
<body><h1>${esc(t.title)}</h1>
<p>${esc(t.site)}: <b>${esc(sheet.siteName)}</b> (${esc(sheet.siteId)}) · ${esc(t.gateway)}: ${esc(sheet.gatewayId)} · ${esc(t.generated)}: ${esc(sheet.generatedAt)}</p>
<table><thead><tr><th>${t.device}</th><th>${t.profile}</th><th>${t.transport}</th><th>${t.where}</th><th>${t.address}</th><th>${t.user}</th><th>${t.password}</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>${esc(t.note)}</p>
</body></html>
`;
}
