import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { demoSiteFiles } from '../demo/cli.ts';
import { connectMqtt } from '../devices/mqtt-device.ts';
import { startMosquitto } from '../stack/mosquitto.ts';
import { TS_LOADER } from '../stack/node-command.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import { summaryQuantiles } from './prom-text.ts';
import { openSse } from './sse-reader.ts';
import { percentile, round } from './stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const HOP_METRIC = 'carewatch_alarm_hop_seconds';

export interface LatencyFigures { p50Ms: number; p99Ms: number; maxMs: number; samples: number }
export interface HopFigure { process: 'gateway' | 'server'; hop: string; p50Ms: number; p99Ms: number }
export interface E2eFloorResult {
  alarms: number;
  /** Background asked for, and what each side was actually sent (messages/s) while its alarms ran. */
  backgroundPerSec: number;
  backgroundSentPerSec: { product: number; flow: number };
  product: LatencyFigures & { pubackP50Ms: number; pubackP99Ms: number };
  flow: LatencyFigures;
  /** product p99 ÷ flow p99 (issue 21's goal: ≤ 1.5). */
  ratioP99: number;
  hops: HopFigure[];
}

/** Where a smoke alarm is published and how its arrival is seen, for the product or the flow. */
interface Side {
  alarmers: Array<{ client: MqttClient; topic: string; deviceId: string; smoke: boolean }>;
  background: Array<{ client: MqttClient; topic: string }>;
  /** Resolves when the alarm change for this device (raise or clear) reached the watcher. */
  arrival(deviceId: string, smoke: boolean): Promise<unknown>;
}

/**
 * Issue 21: device → console alarm latency with 1,000 msg/s of background traffic, beside the same
 * job done by a minimal non-durable flow (Debian's mosquitto + flow-relay.ts, what a tuned Node-RED
 * flow does) in the same run, warmed the same way, measured in alternating blocks; and where the
 * product's milliseconds go, from each process's `carewatch_alarm_hop_seconds`.
 */
export async function benchE2eFloor(alarms = 1000, backgroundPerSec = 1000, block = 100): Promise<E2eFloorResult> {
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-e2e-floor-'));
  // Plain MQTT on both sides: the baseline (mosquitto) speaks no TLS.
  const stack = new ProcessStack({ siteFiles: demoSiteFiles().slice(0, 1), mqttPlain: true });
  const mosquitto = await startMosquitto(dir);
  let relay: ChildProcess | undefined;
  const clients: MqttClient[] = [];
  const closers: Array<() => void> = [];
  try {
    await stack.start();
    relay = await startRelay(mosquitto.url);
    const product = await productSide(stack, clients, closers);
    const flow = await flowSide(mosquitto.url, product, clients);
    const productSamples = { e2e: [] as number[], puback: [] as number[], sent: 0, ms: 0 };
    const flowSamples = { e2e: [] as number[], puback: [] as number[], sent: 0, ms: 0 };
    // Warm-up, the same on both sides, background on.
    await withBackground(flow, backgroundPerSec, () => measure(flow, block, { e2e: [], puback: [] }));
    await withBackground(product, backgroundPerSec, () => measure(product, block, { e2e: [], puback: [] }));
    for (let done = 0; done < alarms; done += block) {
      const n = Math.min(block, alarms - done);
      for (const [side, s] of [[flow, flowSamples], [product, productSamples]] as const) {
        const bg = await withBackground(side, backgroundPerSec, () => measure(side, n, s));
        s.sent += bg.sent;
        s.ms += bg.ms;
      }
    }
    const hops = await readHops(stack);
    const p = figures(productSamples.e2e);
    const f = figures(flowSamples.e2e);
    return {
      alarms, backgroundPerSec,
      backgroundSentPerSec: { product: Math.round(productSamples.sent / (productSamples.ms / 1000)), flow: Math.round(flowSamples.sent / (flowSamples.ms / 1000)) },
      product: { ...p, pubackP50Ms: round(percentile(productSamples.puback, 50), 3), pubackP99Ms: round(percentile(productSamples.puback, 99), 3) },
      flow: f,
      ratioP99: round(p.p99Ms / f.p99Ms, 2),
      hops,
    };
  } finally {
    for (const close of closers) close();
    await Promise.all(clients.map((c) => c.endAsync()));
    if (relay?.pid !== undefined && relay.exitCode === null) process.kill(relay.pid, 'SIGTERM');
    await mosquitto.stop();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function productSide(stack: ProcessStack, clients: MqttClient[], closers: Array<() => void>): Promise<Side> {
  const nurse = stack.creds.users.find((u) => u.username === 'night-nurse')!.token;
  const sse = await openSse(`${stack.serverUrl}/api/v1/stream`, nurse);
  closers.push(() => sse.close());
  const detectors = stack.creds.devices.filter((d) => d.profile === 'smoke-detector' && d.transport === 'mqtt');
  if (detectors.length < 4) throw new Error(`the demo site has ${detectors.length} native smoke detectors; the bench needs 4`);
  const connected = await Promise.all(detectors.map(async (d) => {
    const client = await connectMqtt({ ...stack.mqttBroker, username: d.mqttUsername!, password: d.mqttPassword! });
    clients.push(client);
    return { client, topic: nativeTopic(d.siteId, d.deviceId, 'state'), deviceId: d.deviceId, smoke: false };
  }));
  const half = Math.floor(connected.length / 2);
  return {
    alarmers: connected.slice(0, half),
    background: connected.slice(half),
    arrival: (deviceId, smoke) => sse.waitFor((c) => c.alarm.deviceId === deviceId && c.change === (smoke ? 'raised' : 'cleared')),
  };
}

/** The same devices, topics and payloads against mosquitto; the flow's alarms arrive on `alarms/#`. */
async function flowSide(url: string, like: Side, clients: MqttClient[]): Promise<Side> {
  const connect = async (id: string) => {
    const client = await connectMqtt({ url, username: 'bench', password: 'bench', clientId: `bench-${id}` });
    clients.push(client);
    return client;
  };
  const watcher = await connect('console');
  await watcher.subscribeAsync('alarms/#', { qos: 1 });
  let waiters: Array<{ topicEnd: string; smoke: boolean; resolve: () => void }> = [];
  watcher.on('message', (topic, payload) => {
    const smoke = (JSON.parse(payload.toString()) as { smoke: boolean }).smoke;
    waiters = waiters.filter((w) => (topic.endsWith(w.topicEnd) && w.smoke === smoke ? (w.resolve(), false) : true));
  });
  return {
    alarmers: await Promise.all(like.alarmers.map(async (a) => ({ ...a, smoke: false, client: await connect(a.deviceId) }))),
    background: await Promise.all(like.background.map(async (b, i) => ({ ...b, client: await connect(`bg-${i}`) }))),
    arrival: (deviceId, smoke) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('flow alarm not seen in time')), 10_000);
      waiters.push({ topicEnd: `/${deviceId}`, smoke, resolve: () => { clearTimeout(timer); resolve(); } });
    }),
  };
}

/** One alarm at a time (raise, then clear, round the alarming devices): publish → arrival, and publish → PUBACK. */
async function measure(side: Side, n: number, into: { e2e: number[]; puback: number[] }): Promise<void> {
  for (let i = 0; i < n; i++) {
    const a = side.alarmers[i % side.alarmers.length]!;
    a.smoke = !a.smoke;
    const arrived = side.arrival(a.deviceId, a.smoke);
    const t0 = performance.now();
    const acked = a.client.publishAsync(a.topic, encodeNativeState({ smoke: a.smoke }), { qos: 1 }).then(() => into.puback.push(performance.now() - t0));
    await arrived;
    into.e2e.push(performance.now() - t0);
    await acked;
  }
}

/**
 * Runs `work` while the side's background devices send `perSec` QoS 1 state reports (battery
 * levels: readings the rules take and raise nothing from), paced every 10 ms. Returns what was sent.
 */
async function withBackground(side: Side, perSec: number, work: () => Promise<void>): Promise<{ sent: number; ms: number }> {
  const started = performance.now();
  let sent = 0;
  let owed = 0;
  let last = started;
  const timer = setInterval(() => {
    const now = performance.now();
    owed += ((now - last) / 1000) * perSec;
    last = now;
    for (; owed >= 1; owed -= 1, sent += 1) {
      const b = side.background[sent % side.background.length]!;
      b.client.publish(b.topic, encodeNativeState({ battery: 50 + (sent % 50) }), { qos: 1 });
    }
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { sent, ms: performance.now() - started };
}

async function startRelay(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', TS_LOADER, join(HERE, 'flow-relay.ts'), url], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`flow relay exited with ${code}`)));
  });
  return child;
}

async function readHops(stack: ProcessStack): Promise<HopFigure[]> {
  const [gw, srv] = await Promise.all([
    fetch(`${stack.gatewayUrl}/metrics`, { headers: stack.gatewayHeaders }).then((r) => r.text()),
    fetch(`${stack.serverUrl}/metrics`).then((r) => r.text()),
  ]);
  const out: HopFigure[] = [];
  for (const [process, text] of [['gateway', gw], ['server', srv]] as const) {
    for (const [hop, q] of summaryQuantiles(text, HOP_METRIC, 'hop')) {
      out.push({ process, hop, p50Ms: round((q['0.5'] ?? NaN) * 1000, 3), p99Ms: round((q['0.99'] ?? NaN) * 1000, 3) });
    }
  }
  return out;
}

function figures(samples: number[]): LatencyFigures {
  return { samples: samples.length, p50Ms: round(percentile(samples, 50), 3), p99Ms: round(percentile(samples, 99), 3), maxMs: round(Math.max(...samples), 3) };
}
