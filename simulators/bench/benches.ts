import { benchDeliveryDrain } from './delivery.ts';
import { benchE2eFloor } from './e2e-floor.ts';
import { benchE2eLatency } from './e2e-latency.ts';
import { benchIngestThroughput } from './ingest-throughput.ts';
import { benchDecodeThroughput } from './decode-throughput.ts';
import { runJsonScript } from './run-json-script.ts';
import { benchRegional } from './regional.ts';
import { regionalReport } from './regional-report.ts';
import { historyReport } from './history.ts';
import { benchConsoleRender } from './console-render.ts';
import { benchEscalationTimers } from './escalation-timers.ts';
import { benchServerAlarms } from './server-alarms.ts';
import { benchLoad } from './load.ts';
import { benchPostgresStore } from './postgres-store.ts';
import { jetstreamBench } from './jetstream-delivery.ts';
import { benchReplicas } from './replicas.ts';

interface UpstreamLinkFigures { baselinePerSec: number; linkPerSec: number; baselineRttMs: number; linkLatencyMs: number; addedMs: number }
interface UpstreamResult { messages: number; latencySamples: number; dc09: UpstreamLinkFigures; gb26875: UpstreamLinkFigures }

type DeliveryFire = Awaited<ReturnType<typeof benchDeliveryDrain>>['fireIdle'];
import { type PubackUnderFlood, benchHostile } from './hostile.ts';

interface CoreResult {
  readingsPerSec: number; p50LatencyMs: number; p99LatencyMs: number; bytesPerDevice: number;
  storeBytesPerDevice: number; gcExposed: boolean; devices: number; readings: number; alarms: number;
}

/**
 * One section of docs/benchmarks.md and of docs/benchmarks.json. Adding a benchmark: write its
 * module, then add one entry to BENCHES below (sections are merged by `name`, so a run of
 * `npm run bench -- --only NAME` rewrites that section and keeps the others).
 *
 * Fairness (issue 24): every figure stands beside a baseline measured in the same run and warmed
 * the same way; say what the baseline is in `baseline`, and put both in `figures`.
 */
export interface BenchReport {
  title: string;
  method: string;
  /** What the figures are compared with, measured in the same run and warmed the same way. */
  baseline: string;
  /** Markdown table lines. */
  table: string[];
  goal?: string;
  /** Short lines for the console. */
  lines: string[];
  /** The same figures as the table, machine-readable (docs/benchmarks.json). */
  figures: Record<string, unknown>;
}

export interface Bench {
  name: string;
  about: string;
  run(): Promise<BenchReport>;
}

export const BENCHES: Bench[] = [
  {
    name: 'load',
    about: 'load: 10,000 devices at 2,000 messages/s for 60 s against the demo processes, alarm latency during it',
    async run() {
      const r = await benchLoad();
      const row = (name: string, p: typeof r.baseline) =>
        `| ${name} | ${p.ratePerSec}/s | ${p.sent} | ${p.acked} | ${p.rejected} | ${p.alarms.seen}/${p.alarms.sent} | ${p.alarms.p50Ms} ms | ${p.alarms.p99Ms} ms | ${p.alarms.maxMs} ms | ${p.ackP50Ms} / ${p.ackP99Ms} ms |`;
      return {
        title: 'Load: 10,000 devices at 2,000 messages/s, alarm latency while it runs',
        method: `\`carewatch server\` and \`carewatch gateway\` processes with the demo's sites plus a site of ${r.load.devices} Zigbee2MQTT devices behind hubs of 2,500 (one MQTT connection each, QoS 1), as \`carewatch sim load\` runs them. Load: ${r.load.rate} messages/s asked for ${r.load.durationS} s, keep-alives, heart rates, motion and doors encoded by the devices' codecs. Alarms: ${r.alarmsPerSec} call buttons/s pressed (a new button each time), timed from the publish to the \`raised\` change on the server's SSE stream. Baseline: the same alarms at the same rate for the same time with no other traffic, in the same processes, after the same ${r.warmupS} s alarm warm-up. The machine is shared (other work ran beside it), so absolute figures are pessimistic.`,
        baseline: 'the same alarm presses at the same rate without the load, same processes, measured just before it',
        figures: { ...r },
        table: ['| | sent rate | sent | PUBACKed | rejected | alarms seen | alarm p50 | alarm p99 | alarm max | PUBACK p50 / p99 |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
          row('alarms alone (baseline)', r.baseline), row(`with ${r.load.rate} msg/s of load`, r.load)],
        goal: 'alarm p99 under load within 1 s; every alarm seen; nothing rejected',
        lines: [`baseline alarms p50 ${r.baseline.alarms.p50Ms} ms p99 ${r.baseline.alarms.p99Ms} ms; under load (${r.load.ratePerSec}/s) p50 ${r.load.alarms.p50Ms} ms p99 ${r.load.alarms.p99Ms} ms; rejected ${r.load.rejected}`],
      };
    },
  },
  {
    name: 'escalation',
    about: 'escalation timer accuracy: lateness of each step with 10,000 pending, real server process',
    async run() {
      const r = await benchEscalationTimers(10_000, 20);
      return {
        title: 'Escalation timer accuracy (10,000 pending)',
        method: `${r.pending} critical calls raised over HTTP ingest (batches of 500, ${r.ingestSec} s) into the \`carewatch server\` process, whose escalation file gives each one step 20 s after its raise, so all are pending when the first falls due. Lateness of each step as the server recorded it (\`lateMs\` of its \`alarm.escalated\` audit record: server clock when taken minus the persisted deadline), read back over \`GET /api/v1/audit\`. Baseline: ${r.pending} plain \`setTimeout\`s in the bench process at the same deadlines.`,
        baseline: `${r.pending} bare setTimeouts in the bench process at the same deadlines`,
        figures: { ...r },
        table: ['| | p50 | p99 | max |', '|---|---:|---:|---:|',
          `| server escalation steps | ${r.serverP50Ms} ms | ${r.serverP99Ms} ms | ${r.serverMaxMs} ms |`,
          `| bare setTimeout | ${r.baselineP50Ms} ms | ${r.baselineP99Ms} ms | ${r.baselineMaxMs} ms |`],
        goal: 'every step within 1 s of its deadline (max < 1000 ms)',
        lines: [`steps late p50 ${r.serverP50Ms} ms, p99 ${r.serverP99Ms} ms, max ${r.serverMaxMs} ms; setTimeout p99 ${r.baselineP99Ms} ms`],
      };
    },
  },
  {
    name: 'alarms',
    about: 'server: ingest into the embedded store, alarm list with 100,000 stored and 1,000 open (issue 18)',
    async run() {
      const r = await benchServerAlarms();
      return {
        title: 'Server: ingest and the alarm list (100,000 alarms stored, 1,000 open)',
        method: `The real \`carewatch server\` process (embedded SQLite store, WAL, synchronous=FULL). Ingest: ${r.events} events (${r.stored} call alarms raised, all but ${r.open} cleared) posted by one gateway in batches of ${r.batch} over one connection, the first 10 batches as warm-up; events/s over the rest. Then all but ${r.open} are resolved in units of work of 10,000 through the server's own store and lifecycle (the resolve route's transition, change and audit record; ${r.setupS} s), beside the running server. List: ${r.listSamples} rounds after 50 warm-up rounds, each \`GET /api/v1/alarms?status=active&limit=1000\` (the console's first fetch), \`GET /api/v1/alarms?status=all&limit=200\` (the newest page of all 100,000) and \`GET /healthz\`, interleaved on one keep-alive connection.`,
        baseline: 'the same rows inserted by bare better-sqlite3 (same batch, WAL, FULL) in this process; GET /healthz on the same connection (HTTP round trip alone)',
        figures: { ...r },
        table: ['| | server | baseline |', '|---|---:|---:|',
          `| ingest into the embedded store | **${r.ingestPerSec} events/s** | bare insert ${r.bareInsertPerSec} rows/s |`,
          `| open alarms (1,000) p50 / p99 | ${r.listP50Ms} / **${r.listP99Ms} ms** | healthz ${r.healthP50Ms} / ${r.healthP99Ms} ms |`,
          `| newest 200 of all p50 / p99 | ${r.pageP50Ms} / **${r.pageP99Ms} ms** | healthz ${r.healthP50Ms} / ${r.healthP99Ms} ms |`],
        goal: 'ingest ≥ 20,000 events/s; alarm list p99 < 50 ms (issue 18)',
        lines: [`ingest ${r.ingestPerSec} events/s (bare insert ${r.bareInsertPerSec}/s); resolving ${r.stored - r.open} took ${r.setupS} s`,
          `open list p50 ${r.listP50Ms} / p99 ${r.listP99Ms} ms, newest-200 p50 ${r.pageP50Ms} / p99 ${r.pageP99Ms} ms (healthz p50 ${r.healthP50Ms} / p99 ${r.healthP99Ms} ms)`],
      };
    },
  },
  {
    name: 'pgstore',
    about: 'server on PostgreSQL 15 beside the embedded store: ingest events/s and single-alarm ingest p99 (issue 22)',
    async run() {
      const r = await benchPostgresStore();
      const e = r.embedded;
      const p = r.postgres;
      return {
        title: 'Server store: PostgreSQL 15 beside the embedded store (issue 22)',
        method: `Two real \`carewatch server\` processes in the same run: one on its embedded store (SQLite WAL, synchronous=FULL), one with \`--store postgres://…\` on Debian's PostgreSQL 15 started by the bench on loopback (fsync on, synchronous_commit on: every commit durable before the answer). Ingest: ${r.events} call events (raise, clear: each moves an alarm and writes an audit record) posted by one gateway in batches of ${r.batch}, batches alternating between the two servers; the first 10 batches of each are warm-up; events/s over the rest. Alarm: ${r.alarms} single-event ingests of a new critical alarm (after 50 warm-up), alternating between the servers, timed from POST to the answer (event stored, alarm raised and audited, committed).`,
        baseline: 'the same server process on the embedded store, measured in the same run with requests interleaved',
        figures: { ...r },
        table: ['| | embedded (baseline) | PostgreSQL 15 |', '|---|---:|---:|',
          `| ingest, batches of ${r.batch} | ${e.ingestPerSec} events/s | **${p.ingestPerSec} events/s** |`,
          `| one alarm ingested, p50 / p99 | ${e.alarmP50Ms} / ${e.alarmP99Ms} ms | ${p.alarmP50Ms} / **${p.alarmP99Ms} ms** |`],
        lines: [`ingest: embedded ${e.ingestPerSec} events/s, PostgreSQL ${p.ingestPerSec} events/s; one alarm p99: embedded ${e.alarmP99Ms} ms, PostgreSQL ${p.alarmP99Ms} ms`],
      };
    },
  },
  {
    name: 'replicas',
    about: 'ingest events/s into one server replica against three behind round-robin, one PostgreSQL 15 and one nats-server (issue 22)',
    async run() {
      const r = await benchReplicas();
      return {
        title: 'Scale-out: one server replica against three behind round-robin (issue 22)',
        method: `Three real \`carewatch server --store postgres://… --bus nats://…\` processes on one database of Debian's PostgreSQL 15 (fsync on) and one nats-server, started by the bench on loopback. Ingest: ${r.eventsPerRound} call events a round (raise, clear: each moves an alarm and writes an audit record) in batches of ${r.batch}, ${r.concurrency} requests in flight; one replica: every batch to the first; three: batches in turn to each, as a round-robin load balancer. Rounds alternate between the two (${r.rounds} each, after one warm-up round of each); figures are medians of the rounds' events/s. The three processes run throughout.`,
        baseline: 'the same three processes, every batch sent to one of them, rounds interleaved in the same run',
        goal: 'three replicas take ≥ 2 × one replica\'s ingest (issue 22)',
        figures: { ...r },
        table: ['| | one replica (baseline) | three replicas, round-robin |', '|---|---:|---:|',
          `| ingest, batches of ${r.batch}, ${r.concurrency} in flight | ${r.oneReplicaPerSec} events/s | **${r.threeReplicasPerSec} events/s** (${(r.threeReplicasPerSec / r.oneReplicaPerSec).toFixed(2)} ×) |`],
        lines: [`ingest: one replica ${r.oneReplicaPerSec} events/s (rounds ${r.oneRounds.join(', ')}), three replicas ${r.threeReplicasPerSec} events/s (rounds ${r.threeRounds.join(', ')})`],
      };
    },
  },
  {
    name: 'hostile',
    about: 'MQTT alarm PUBACK under a push flood (16, 48 senders; 1 MiB nested and 60 KiB parsed bodies) vs none, interleaved; gateway RSS under retained/session/queue abuse vs before',
    async run() {
      const r = await benchHostile(300);
      const base = r.puback.find((p) => p.senders === 0)!;
      const floodName = (p: PubackUnderFlood) => (p.senders === 0 ? 'none (baseline)' : `${p.senders} × ${p.body === 'deep' ? '~1 MiB nested' : '~60 KiB parsed'}`);
      const m = r.memory;
      return {
        title: 'A hostile network (issue 16): alarms under a push flood, memory under MQTT abuse',
        method: `Real \`carewatch server\` and \`carewatch gateway\` processes, the demo sites. One smoke detector publishes ${base.samples} alarms per condition (QoS 1, one at a time; the alarm commit is synced to disk before each PUBACK) and times each PUBACK: with no flood, and while 16 or 48 senders in a process of their own (so the flood's work does not weigh on the bench's timing) post to \`/push/onenet\` in a loop — ~1 MiB deeply nested bodies (the issue's probe), or ~60 KiB of valid JSON under the body limit, which a signed platform's push must be read and parsed whole before its signature fails. The conditions are interleaved in 3 rounds in rotated order (a busy spell of the shared machine falls on all alike); percentiles over the pooled samples. Then, on the same gateway: a bridge retains ${r.abuse.retainedMessages} × ${r.abuse.retainedBytes / 1024} KiB messages under made-up names; one credential asks for ${r.abuse.sessionAttempts} clean=false sessions (${r.abuse.sessionsRefused} refused); an offline clean=false session is fed ${r.abuse.queuedFed} QoS 1 messages from a second connection. RSS of the gateway from /proc after each step.`,
        baseline: 'PUBACK with no flood, and the gateway RSS before the abuse, measured in the same run',
        goal: 'PUBACK p99 < 50 ms under the flood (issue 16)',
        figures: { ...r },
        table: [
          '| push flood | PUBACK p50 | PUBACK p99 | pushes sent | gateway CPU |', '|---|---:|---:|---:|---:|',
          ...r.puback.map((p) => `| ${floodName(p)} | ${p.p50Ms} ms | ${p.p99Ms} ms | ${p.pushesSent} | ${p.gatewayCpuPct} % |`),
          '',
          '| gateway RSS | MiB |', '|---|---:|',
          `| before the abuse (baseline) | ${m.baselineMiB} |`,
          `| after retained junk | ${m.afterRetainedMiB} |`,
          `| after ${r.abuse.sessionAttempts} session requests | ${m.afterSessionsMiB} |`,
          `| after feeding an offline session | ${m.afterQueueMiB} |`,
        ],
        lines: [
          ...r.puback.map((p) => `flood ${floodName(p)}: PUBACK p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms (${p.pushesSent} pushes; gateway CPU ${p.gatewayCpuPct} % of a core)`),
          `gateway RSS ${m.baselineMiB} MiB → ${m.afterRetainedMiB} (retained) → ${m.afterSessionsMiB} (sessions) → ${m.afterQueueMiB} MiB (offline queue)`,
        ],
      };
    },
  },
  {
    name: 'e2e',
    about: 'alarm latency, MQTT publish → SSE at the console, 1,000 msg/s background, beside a non-durable mosquitto flow; per-hop breakdown',
    async run() {
      const r = await benchE2eFloor(1000, 1000);
      const hopRows = r.hops.map((h) => `| ${h.process} | ${h.hop} | ${h.p50Ms} ms | ${h.p99Ms} ms |`);
      return {
        title: 'End-to-end alarm latency (device → console), 1,000 msg/s background',
        method: `${r.alarms} smoke alarms (raise and clear, one at a time, round half of the demo site's 14 native smoke detectors) published over MQTT QoS 1, timed until the change arrives on the server's SSE stream (\`carewatch server\` and \`carewatch gateway\` processes, demo site, default durability: every commit carrying an alarm synced before the PUBACK, power-safe). Meanwhile the other detectors send ${r.backgroundPerSec} battery reports/s (QoS 1; actually sent: ${r.backgroundSentPerSec.product}/s). Baseline, same run: Debian's mosquitto and one Node.js process (\`simulators/bench/flow-relay.ts\`: mqtt in → JSON → report by exception → mqtt out, what a tuned Node-RED flow does, without its runtime, keeping nothing durable), the same devices, payloads and background (${r.backgroundSentPerSec.flow}/s), timed until the alarm message reaches a subscriber. Both warmed with 100 alarms under background, then measured in alternating blocks of 100. Hops: each process's \`carewatch_alarm_hop_seconds\` summary over the run (gateway: rules + commit, WAL sync before the PUBACK, event created → server's answer; server: request → events checked, store commit + stream write).`,
        baseline: 'mosquitto + a minimal non-durable flow process, same devices and background, alternating blocks in the same run',
        figures: { ...r },
        table: [
          '| | p50 | p99 | max | PUBACK p50 / p99 |', '|---|---:|---:|---:|---:|',
          `| mosquitto + flow (baseline, nothing durable) | ${r.flow.p50Ms} ms | ${r.flow.p99Ms} ms | ${r.flow.maxMs} ms | |`,
          `| CareWatch gateway → server → stream (power-safe) | ${r.product.p50Ms} ms | **${r.product.p99Ms} ms** | ${r.product.maxMs} ms | ${r.product.pubackP50Ms} / ${r.product.pubackP99Ms} ms |`,
          '', `p99 ratio to the baseline: **${r.ratioP99}**`, '',
          '| process | hop | p50 | p99 |', '|---|---|---:|---:|', ...hopRows,
        ],
        goal: 'p99 ≤ 5 ms and within 1.5 × the flow (issue 21)',
        lines: [
          `flow p50 ${r.flow.p50Ms} / p99 ${r.flow.p99Ms} ms; CareWatch p50 ${r.product.p50Ms} / p99 ${r.product.p99Ms} ms (×${r.ratioP99}); background ${r.backgroundSentPerSec.product}/s`,
          ...r.hops.map((h) => `  ${h.process} ${h.hop}: p50 ${h.p50Ms} / p99 ${h.p99Ms} ms`),
        ],
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
        method: `${r.messages} QoS 1 state reports from the demo's 14 native smoke detectors, one connection each (1 in 100 a smoke alarm), median of ${r.runs} runs each. Baseline: bare aedes in its own process (no auth, no hooks) with an in-broker no-op subscriber to \`carewatch/#\`, timed until it has counted every message. Gateway: the \`carewatch gateway\` process with the demo site, timed until its readings counter has every message (auth, ACL, decode, rules, outbox).`,
        baseline: 'bare aedes in its own process with a no-op subscriber',
        figures: { ...r },
        table: ['| bare aedes | gateway | ratio |', '|---:|---:|---:|', `| ${r.bareAedesPerSec} msg/s | ${r.gatewayPerSec} msg/s | **${r.ratio}** |`],
        goal: 'ratio ≥ 0.8',
        lines: [`bare aedes ${r.bareAedesPerSec}/s, gateway ${r.gatewayPerSec}/s, ratio ${r.ratio}`],
      };
    },
  },
  {
    name: 'decode',
    about: 'decode throughput per codec (bytes → fields), ratio to JSON.parse',
    async run() {
      const rates = benchDecodeThroughput();
      return {
        title: 'Decode throughput per codec',
        method: 'Each codec\'s whole chain as the gateway runs it (splitter → decoder → fields) over the golden fixtures\' real payloads, on one core; median of 5 runs of 0.4 s. Baseline in the same run: `JSON.parse` of the Zigbee2MQTT fixture payloads.',
        baseline: '`JSON.parse` of the Zigbee2MQTT fixture payloads, same run',
        figures: { rates },
        table: ['| codec | inputs | frames/s | ÷ JSON.parse |', '|---|---|---:|---:|', ...rates.map((r) => `| ${r.codec} | ${r.inputs} | ${r.framesPerSec} | ${r.ratioToJsonParse} |`)],
        lines: rates.map((r) => `${r.codec}: ${r.framesPerSec}/s (${r.ratioToJsonParse} × JSON.parse)`),
      };
    },
  },
  {
    name: 'core',
    about: 'stream core: readings/s through all rules, detection latency, memory per watched device',
    async run() {
      const r = await runJsonScript<CoreResult>('gateway/core/bench-core.ts', ['--expose-gc']);
      return {
        title: 'Stream core (rules only, no I/O)',
        method: `All rules of one site (the gateway's \`watchSite\`) in virtual time, in its own process: ${r.readings} readings of a care-home mix over ${r.devices} devices for throughput; ${r.alarms} smoke alarms amid the same traffic for detection latency (reading in → event out); heap per watched device after every one of ${r.devices} devices reported (inactivity and supervision state held), ${r.gcExposed ? 'measured with --expose-gc' : 'rough (no --expose-gc)'}.`,
        baseline: 'none yet (issue 24 adds one)',
        figures: { ...r },
        table: ['| readings/s | latency p50 | latency p99 | heap per device | rule-store bytes per device |', '|---:|---:|---:|---:|---:|',
          `| ${r.readingsPerSec} | ${r.p50LatencyMs} ms | ${r.p99LatencyMs} ms | ${r.bytesPerDevice} B | ${r.storeBytesPerDevice} B |`],
        goal: '≥ 200,000 readings/s on one core, p99 < 1 ms, < 1 KB per device',
        lines: [`${r.readingsPerSec} readings/s, p50 ${r.p50LatencyMs} ms, p99 ${r.p99LatencyMs} ms, ${r.bytesPerDevice} B/device`],
      };
    },
  },
  {
    name: 'upstream',
    about: 'upstream links: messages/s to a local SIA DC-09 receiver and GB/T 26875.3 centre, delay each link adds to an alarm',
    async run() {
      const r = await runJsonScript<UpstreamResult>('gateway/upstream/bench-upstream.ts');
      const row = (name: string, f: UpstreamLinkFigures) => `| ${name} | ${f.baselinePerSec} msg/s | ${f.linkPerSec} msg/s | ${f.baselineRttMs} ms | ${f.linkLatencyMs} ms | **${f.addedMs} ms** |`;
      return {
        title: 'Upstream links (SIA DC-09, GB/T 26875.3)',
        method: `Receivers are \`carewatch sim receiver dc09|gb26875\` processes on loopback TCP. Baseline, same run: a bare client writing ${r.messages} ready-made messages to the same receiver, waiting for each answer (both protocols are stop-and-wait); median round trip. Link: events appended to a real outbox (SQLite file, WAL) and carried by the gateway's link (hook, queue row, sequence number, encoding, acknowledgement, row deleted): ${r.messages} appended at once for messages/s; ${r.latencySamples} alarms one at a time for the median delay from append to the receiver's acknowledgement. Added = link delay − baseline round trip.`,
        baseline: 'a bare stop-and-wait client sending ready-made messages to the same receiver process',
        figures: { ...r },
        table: ['| link | baseline | link | baseline round trip | link delay | added |', '|---|---:|---:|---:|---:|---:|', row('SIA DC-09 (ADM-CID, TCP)', r.dc09), row('GB/T 26875.3', r.gb26875)],
        goal: 'a fire alarm at the centre within 10 s (GB 26875.1)',
        lines: [`DC-09: ${r.dc09.linkPerSec}/s (bare ${r.dc09.baselinePerSec}/s), adds ${r.dc09.addedMs} ms`, `GB/T 26875.3: ${r.gb26875.linkPerSec}/s (bare ${r.gb26875.baselinePerSec}/s), adds ${r.gb26875.addedMs} ms`],
      };
    },
  },
  {
    name: 'delivery',
    about: 'outbox drain after a 10-minute outage, fire latency during the drain (issue 15)',
    async run() {
      const r = await benchDeliveryDrain({ eventsPerSec: 100, seconds: 600, cycles: 3 });
      const f = (x: DeliveryFire) => `${x.p50Ms} / ${x.p99Ms} / ${x.maxMs} ms (${x.samples})`;
      return {
        title: 'Delivery after an outage: drain rate and fire latency during the drain',
        method: `Real \`carewatch server\` and \`carewatch gateway\` processes; a care home of 500 MQTT water-leak sensors and 8 smoke detectors. A ${r.outageMinutes}-minute outage is simulated by the backlog it leaves: the devices' ${r.eventsPerSec} alarm events a second for ${r.outageMinutes} minutes = ${r.backlog} events in the gateway's outbox. Each cycle (${r.cycles} in this run: \`benchDeliveryDrain({ cycles })\`): the server is killed (SIGKILL); the ${r.backlog} leak raises and clears are appended through the gateway's own outbox module beside the running gateway (gateway/outbox/bench-backlog.ts: same ids, per-device sequences, lane and rows as its rules write; making them over MQTT would cost one power-safe commit each, minutes of fsync); the server is started again. Drain rate = backlog ÷ time from the first event leaving the outbox to an empty outbox (gateway status page polled every 50 ms, each end taken halfway between polls); median of the cycles. Meanwhile smoke detectors are toggled one at a time over MQTT, each timed from publish to its alarm change on the server's SSE stream (pooled over the cycles). Baselines in the same run, same stack: ${r.directEvents} of the same events posted straight to the server's ingest (500 a batch, one connection; median of the cycles), and ${r.fireIdle.samples} fires with nothing queued, after each drain (after the same warm-up).`,
        baseline: `the server's own ingest of ${r.directEvents} of the same events posted directly; fires with no backlog`,
        figures: { ...r },
        table: [
          '| | drain (median of cycles) | fire p50 / p99 / max (samples) |', '|---|---:|---:|',
          `| gateway outbox after a ${r.outageMinutes}-minute outage (${r.backlog} events) | **${r.drainPerSec} events/s** (${r.drainsPerSec.join(', ')}); server back → empty ${r.backToEmptyMs} ms | **${f(r.fireDuringDrain)}** |`,
          `| baseline: direct ingest / no backlog | ${r.directIngestPerSec} events/s | ${f(r.fireIdle)} |`,
        ],
        goal: 'drain ≥ 10,000 events/s; fire p99 during the drain < 100 ms',
        lines: [`drain ${r.drainPerSec}/s (${r.drainsPerSec.join(', ')}; direct ingest ${r.directIngestPerSec}/s), server back → empty ${r.backToEmptyMs} ms; fire during drain p50 ${r.fireDuringDrain.p50Ms} p99 ${r.fireDuringDrain.p99Ms} ms (idle p99 ${r.fireIdle.p99Ms} ms)`],
      };
    },
  },
  {
    name: 'durability',
    about: 'e2e alarm latency with power-safe alarm commits (the default) beside the old default',
    async run() {
      const N = 400;
      const modes = ['process', 'alarms', 'power'] as const;
      const results: Record<string, Awaited<ReturnType<typeof benchE2eLatency>>> = {};
      for (const mode of modes) results[mode] = await benchE2eLatency(N, ['--durability', mode]);
      const label = { process: 'process (old default: kill -9 safe)', alarms: '**alarms (default: alarm commits power-safe)**', power: 'power (every commit fsync)' };
      return {
        title: 'Gateway durability: e2e alarm latency',
        method: `As "End-to-end alarm latency" (${N} smoke alarms, raise and clear, one at a time, MQTT publish → SSE), once per \`gateway --durability\` mode, each on a fresh stack in the same run. \`alarms\` fsyncs the gateway's WAL before a device is acknowledged for every commit that carries an alarm; \`process\` never does.`,
        baseline: '`--durability process` (the old default), same run',
        figures: { ...results },
        table: ['| durability | p50 | p99 | max |', '|---|---:|---:|---:|', ...modes.map((m) => `| ${label[m]} | ${results[m]!.p50Ms} ms | ${results[m]!.p99Ms} ms | ${results[m]!.maxMs} ms |`)],
        lines: modes.map((m) => `${m}: p50 ${results[m]!.p50Ms} ms, p99 ${results[m]!.p99Ms} ms`),
        };
      },
    },
  {
    name: 'console',
    about: 'night-staff console in Chromium: first render of 1,000 open alarms, row update at 50 changes/s',
    async run() {
      const r = await benchConsoleRender();
      return {
        title: 'Night-staff console in Chromium (1,000 open alarms, 50 changes/s)',
        method: `Debian's Chromium (headless) against the server in this process. First render: navigation start → the table holds all ${r.openAlarms} open alarms, median of 5 page loads after one warm-up. Updates: ${r.changes} changes at ${r.changesPerSec}/s, each repeating one open alarm; from just before the ingest request to the row's count changing on screen (a MutationObserver in the page).`,
        baseline: 'same page, same run: fetching + parsing the 1,000-alarm list (first render); a bare SSE reader in the page timing each change\'s arrival (updates)',
        figures: { ...r },
        table: ['| | console | baseline |', '|---|---:|---:|',
          `| first render | ${r.firstRenderMs} ms | list fetch ${r.listFetchMs} ms |`,
          `| update p50 | ${r.updateP50Ms} ms | arrival ${r.arrivalP50Ms} ms |`,
          `| update p95 | ${r.updateP95Ms} ms | arrival ${r.arrivalP95Ms} ms |`],
        goal: 'first render < 500 ms, update < 100 ms p95 (issue 20)',
        lines: [`first render ${r.firstRenderMs} ms (list fetch ${r.listFetchMs} ms); update p50 ${r.updateP50Ms} / p95 ${r.updateP95Ms} ms (arrival p95 ${r.arrivalP95Ms} ms)`],
      };
    },
  },
  {
    name: 'regional',
    about: 'one regional gateway, 10,000 homes, 40,000 devices, 20,000 open connections: memory, CPU, alarm latency',
    run: async () => regionalReport(await benchRegional()),
  },
  {
    name: 'history',
    about: 'history store (embedded and InfluxDB): write rate, 30-day query p99 among 10,000 devices, coverage of 1,000 sites at a past moment',
    run: historyReport,
  },
  jetstreamBench,
];
