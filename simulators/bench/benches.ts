import { benchE2eLatency } from './e2e-latency.ts';

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
];
