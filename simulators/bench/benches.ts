import { benchE2eLatency } from './e2e-latency.ts';
import { benchIngestThroughput } from './ingest-throughput.ts';

export interface BenchReport {
  title: string;
  method: string;
  /** Markdown table lines. */
  table: string[];
  goal?: string;
  /** Short lines for the console. */
  lines: string[];
}

export interface Bench {
  name: string;
  about: string;
  run(): Promise<BenchReport>;
}

export const BENCHES: Bench[] = [
  {
    name: 'e2e',
    about: 'alarm latency, MQTT publish → SSE at the console, real server and gateway processes',
    async run() {
      const r = await benchE2eLatency(1000);
      return {
        title: 'End-to-end alarm latency (device → console)',
        method: `${r.alarms} smoke alarms (raise and clear, one at a time) published over MQTT QoS 1 to the gateway process; measured until the alarm change arrives on the server's SSE stream. Real processes: \`carewatch server\` and \`carewatch gateway\` with the demo site.`,
        table: ['| alarms | p50 | p99 | max |', '|---:|---:|---:|---:|', `| ${r.alarms} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms |`],
        lines: [`p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms over ${r.alarms} alarms`],
      };
    },
  },
  {
    name: 'ingest',
    about: 'gateway MQTT ingest throughput ÷ bare aedes with a no-op subscriber',
    async run() {
      const r = await benchIngestThroughput(20_000, 3);
      return {
        title: 'Gateway ingest over MQTT vs bare aedes',
        method: `${r.messages} QoS 1 state reports from 20 device connections (1 in 100 a smoke alarm), median of ${r.runs} runs each. Baseline: bare aedes in its own process (no auth, no hooks) with an in-broker no-op subscriber to \`carewatch/#\`, timed until it has counted every message. Gateway: the \`carewatch gateway\` process with the demo site, timed until its readings counter has every message (auth, ACL, decode, rules, outbox).`,
        table: ['| bare aedes | gateway | ratio |', '|---:|---:|---:|', `| ${r.bareAedesPerSec} msg/s | ${r.gatewayPerSec} msg/s | **${r.ratio}** |`],
        goal: 'ratio ≥ 0.8',
        lines: [`bare aedes ${r.bareAedesPerSec}/s, gateway ${r.gatewayPerSec}/s, ratio ${r.ratio}`],
      };
    },
  },
];
