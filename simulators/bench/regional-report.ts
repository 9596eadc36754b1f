import type { BenchReport } from './benches.ts';
import type { RegionalResult } from './regional.ts';

const n = (x: number) => x.toLocaleString('en-US');

/** The regional benchmark's section of docs/benchmarks.md and its console lines. */
export function regionalReport(r: RegionalResult): BenchReport {
  const held = r.connections.watch + r.connections.mqtt;
  const capped = r.connectionsCapped ? ` Fewer than the ${n(r.connections.wanted)} asked: ${r.connectionsCapped}.` : '';
  const bare = r.bareAedes
    ? ` Baseline: bare aedes in its own process holding ${n(r.bareAedes.connections)} idle MQTT connections: ${r.bareAedes.kbPerConnection} KB each.`
    : '';
  return {
    title: `Regional gateway: ${n(r.homes)} homes, ${n(held)} open connections`,
    method: `One \`carewatch gateway\` process (its launcher raises the open-file limit as far as allowed: ${n(r.gatewayFileLimit)} here) `
      + `watching a folder of ${n(r.homes)} home site files (YAML), each a 4G watch (TCP "3G*"), a native MQTT call button and door contact `
      + `and a CTWing smoke detector: ${n(r.devices)} devices. Two load generator processes hold ${n(r.connections.watch)} watch and `
      + `${n(r.connections.mqtt)} MQTT connections open; each sends a keep-alive every 60 s (watch \`LK\`, MQTT state report + keepalive 60), `
      + `evenly spread. After 10 untimed warm-up alarms, for ${r.windowSec} s one alarm a second (call button press, then watch SOS, each from a different home) is timed from `
      + `its send to its change on the server's SSE stream (admin); "to the server" is the part up to the server's change time (\`updatedAt\`), the rest is the server's commit (synchronous=FULL) and the stream. The worst event-loop delays come from each process's own watch (\`carewatch_event_loop_delay_max_ms\`), read every 2 s. Gateway and server run with \`--no-memory-reducer\` (docs/architecture.md). Memory: gateway VmRSS with all sites loaded and nothing connected, `
      + `then with every connection held, before the keep-alives start; the split by kind (watches connected first, then MQTT) is indicative only, `
      + `as the first connections fill heap left free after loading the sites. Over the window RSS keeps growing with the traffic (+MiB/min): `
      + `the keep-alives' garbage collects in the old generation until V8's next full collection, which a 10,000-home heap reaches only after `
      + `many minutes (at 1,000 homes and the same 332 keep-alives/s, the heap after each full collection stayed at 152 MB: no leak); `
      + `the window median per connection includes it and grows with the window's length. CPU: gateway utime+stime over the window, as % of one core.${capped}${bare}`,
    baseline: r.bareAedes ? 'bare aedes in its own process holding idle MQTT connections (memory per connection only)' : 'none',
    figures: { ...r },
    table: [
      '| sites loaded in | connections up in | RSS idle → connected | per connection | per device (total) | gateway CPU idle / loaded | alarm p50 | alarm p99 | of which to the server p50 / p99 | worst loop delay gateway / server |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${(r.gatewayStartMs / 1000).toFixed(1)} s | ${((r.connectMs.watch + r.connectMs.mqtt) / 1000).toFixed(1)} s `
        + `| ${n(r.rssMiB.idle)} → ${n(r.rssMiB.all)} MiB | **${r.kbPerConnection.all} KB** (watch ${r.kbPerConnection.watch}, MQTT ${r.kbPerConnection.mqtt}; window median ${r.kbPerConnectionWindowMedian}) `
        + `| ${r.kbPerDeviceTotal} KB | ${r.cpuPct.gatewayIdle} % / ${r.cpuPct.gateway} % | ${r.alarms.p50Ms} ms | **${r.alarms.p99Ms} ms** | ${r.alarms.toServer.p50Ms} / ${r.alarms.toServer.p99Ms} ms | ${r.loopMaxMs.gateway} / ${r.loopMaxMs.server} ms |`,
    ],
    goal: 'under 20 KB per connected device; alarm p99 under 50 ms',
    lines: [
      `${n(r.homes)} sites loaded in ${(r.gatewayStartMs / 1000).toFixed(1)} s; ${n(held)} connections (${n(r.connections.watch)} watch + ${n(r.connections.mqtt)} MQTT, ${r.connections.failed} failed) up in ${((r.connectMs.watch + r.connectMs.mqtt) / 1000).toFixed(1)} s${r.connectionsCapped ? ` (capped: ${r.connectionsCapped})` : ''}`,
      `RSS idle ${r.rssMiB.idle} MiB → connected ${r.rssMiB.all} MiB; over the window ${r.rssMiB.windowFirst} → ${r.rssMiB.windowLast} MiB (median ${r.rssMiB.windowMedian}, peak ${r.rssMiB.windowPeak}, +${r.rssGrowthMiBPerMin} MiB/min): ${r.kbPerConnection.all} KB per connection (${r.kbPerConnectionWindowMedian} over the window's median) (watch ${r.kbPerConnection.watch}, MQTT ${r.kbPerConnection.mqtt}), ${r.kbPerDeviceTotal} KB per device in total`,
      `CPU (% of a core): gateway ${r.cpuPct.gateway} % (idle ${r.cpuPct.gatewayIdle} %), server ${r.cpuPct.server} %, load generators ${r.cpuPct.loadGenerators} %; ${r.keepalivesPerSec} keep-alives/s; ${r.connections.droppedInWindow} connections dropped`,
      `alarms: ${r.alarms.sent} sent, ${r.alarms.lost} lost; p50 ${r.alarms.p50Ms} ms, p99 ${r.alarms.p99Ms} ms, max ${r.alarms.maxMs} ms (button p99 ${r.alarms.button.p99Ms}, SOS p99 ${r.alarms.sos.p99Ms}); to the server p50 ${r.alarms.toServer.p50Ms}, p99 ${r.alarms.toServer.p99Ms} ms`,
      `worst event-loop delay in the window: gateway ${r.loopMaxMs.gateway} ms, server ${r.loopMaxMs.server} ms, load generators ${r.loopMaxMs.loadGenerators} ms`,
      ...(r.bareAedes ? [`bare aedes: ${r.bareAedes.kbPerConnection} KB per idle MQTT connection (${n(r.bareAedes.connections)} held)`] : []),
    ],
  };
}
