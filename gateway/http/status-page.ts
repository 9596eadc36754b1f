import type { GatewayStatus } from '../gateway.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The local status page: what night staff or a technician checks on site when the WAN is in doubt. */
export function renderStatusPage(s: GatewayStatus): string {
  const rows: Array<[string, string]> = [
    ['Gateway', s.gatewayId],
    ['Started', s.startedAt],
    ['Sites watched', String(s.sites)],
    ['MQTT clients', String(s.mqttClients)],
    ['Watch connections', String(s.watchConnections)],
    ['Outbox (life-safety / alarm / telemetry)', `${s.outbox.life_safety ?? 0} / ${s.outbox.alarm ?? 0} / ${s.outbox.telemetry ?? 0}`],
    ['Server', s.server],
    ['Delivery', s.delivery.via === 'http' ? `HTTP to ${s.delivery.url}` : `NATS JetStream at ${s.delivery.url} (server replicas consume it)`],
    ['Forwarder', JSON.stringify(s.forwarder)],
  ];
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>CareWatch gateway ${esc(s.gatewayId)}</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem}th{text-align:left;padding-right:2rem}td,th{padding:.3rem}</style>
</head><body><h1>CareWatch 网关 gateway</h1><p><a href="/alarms">本地报警页 · Local alarm page</a></p><table>
${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n')}
</table></body></html>`;
}
