import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { API_PREFIX, type Event, MAX_INGEST_BATCH, nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { connectMqtt } from '../devices/mqtt-device.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import { DELIVERY_SITE, writeDeliverySite } from './delivery-site.ts';
import { openSse, type SseReader } from './sse-reader.ts';
import { runJsonScript } from './run-json-script.ts';
import { median, percentile, round } from './stats.ts';

export interface DeliveryDrainResult {
  /** The outage simulated: its length and the devices' alarm-event rate, hence the backlog. */
  outageMinutes: number;
  eventsPerSec: number;
  /** Events waiting in the outbox when the server came back (each cycle). */
  backlog: number;
  cycles: number;
  /** Median over the cycles: backlog ÷ time from the first event leaving the outbox to an empty outbox. */
  drainPerSec: number;
  drainsPerSec: number[];
  /** Median over the cycles: from the server answering again to an empty outbox (the forwarder's retry wait included). */
  backToEmptyMs: number;
  /** Baseline: `directEvents` of the same events posted straight to the server's ingest, 500 a batch, one connection (median over the cycles). */
  directIngestPerSec: number;
  directEvents: number;
  /** Fires (smoke raise or clear) timed MQTT publish → SSE at the console, during the drains. */
  fireDuringDrain: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** Baseline: the same fires with no backlog, same stack, after each drain. */
  fireIdle: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
}

const LEAK_SENSORS = 500;
const SMOKE_DETECTORS = 8;
const POLL_MS = 50;
const IDLE_FIRES = 60;
/** The baseline's rate is steady well before this many (and a slow server would make 60,000 a minute of the run). */
const DIRECT_EVENTS = 20_000;

/**
 * Issue 15, "npm run bench": the gateway's outbox after a 10-minute outage drains to the server;
 * how fast, and how long a fire raised meanwhile takes to reach the console. Real `carewatch
 * server` and `carewatch gateway` processes. Each cycle: the server is killed (SIGKILL), and the
 * gateway's outbox is given the backlog such an outage leaves — `eventsPerSec` × `seconds` alarm
 * events of 500 water-leak sensors, appended through the gateway's own outbox module
 * (gateway/outbox/bench-backlog.ts) beside the running gateway; the server is started again.
 */
export async function benchDeliveryDrain(opts: { eventsPerSec?: number; seconds?: number; cycles?: number } = {}): Promise<DeliveryDrainResult> {
  const eventsPerSec = opts.eventsPerSec ?? 100;
  const seconds = opts.seconds ?? 600;
  const cycles = opts.cycles ?? 1;
  const siteDir = mkdtempSync(join(tmpdir(), 'carewatch-bench-delivery-'));
  const stack = new ProcessStack({ siteFiles: [writeDeliverySite(siteDir, LEAK_SENSORS, SMOKE_DETECTORS)] });
  await stack.start();
  const clients: MqttClient[] = [];
  let sse: SseReader | undefined;
  try {
    const admin = stack.creds.users.find((u) => u.username === 'admin')!.token;
    const login = (deviceId: string) => {
      const d = stack.creds.devices.find((c) => c.deviceId === deviceId)!;
      return { ...stack.mqttBroker, username: d.mqttUsername!, password: d.mqttPassword! };
    };
    const pad = (i: number) => String(i).padStart(4, '0');
    for (let i = 1; i <= SMOKE_DETECTORS; i++) clients.push(await connectMqtt(login(`smoke-${pad(i)}`)));
    const fires = new FireTimer(clients.map((client, i) => ({ client, deviceId: `smoke-${pad(i + 1)}` })));
    const leak = await connectMqtt(login('leak-0001'));
    clients.push(leak);
    sse = await openSse(`${stack.serverUrl}${API_PREFIX}/stream`, admin);
    for (let i = 0; i < IDLE_FIRES; i++) await fires.one(sse); // warm-up, not counted

    const drainSamples: number[] = [];
    const idleSamples: number[] = [];
    const drains: number[] = [];
    const backToEmpty: number[] = [];
    const direct: number[] = [];
    let backlog = 0;
    for (let cycle = 0; cycle < cycles; cycle++) {
      // The outage, and the backlog it leaves.
      sse.close();
      await stack.kill9('server');
      const before = await outboxTotal(stack.gatewayUrl, stack.gatewayHeaders);
      const filled = await runJsonScript<{ appended: number }>('gateway/outbox/bench-backlog.ts', [], 300_000, [
        '--data-dir', join(stack.dataDir, 'gateway'), '--site', DELIVERY_SITE, '--sensors', String(LEAK_SENSORS),
        '--per-second', String(eventsPerSec), '--seconds', String(seconds),
      ]);
      // The outage's last report comes from a device, as every other did: the gateway tries to send
      // it, and its alarm lane waits out its retry timer as after any outage (the appended rows
      // come from another process, which the gateway would not otherwise notice).
      await leak.publishAsync(nativeTopic(DELIVERY_SITE, 'leak-0001', 'state'), encodeNativeState({ water_leak: cycle % 2 === 0 }), { qos: 1 });
      backlog = await waitForOutbox(stack.gatewayUrl, stack.gatewayHeaders, (n) => n >= before + filled.appended + 1, 60_000);

      // The server returns; the drain timed on the gateway's status page, fires through it.
      await stack.startServer();
      const back = performance.now();
      sse = await openSse(`${stack.serverUrl}${API_PREFIX}/stream`, admin);
      const drain = watchDrain(stack.gatewayUrl, stack.gatewayHeaders, backlog);
      while (!drain.started()) await new Promise((r) => setTimeout(r, 5));
      while (!drain.done()) {
        drainSamples.push(await fires.one(sse));
        await new Promise((r) => setTimeout(r, 20));
      }
      const { startedAt, emptyAt } = await drain.result;
      drains.push(backlog / ((emptyAt - startedAt) / 1000));
      backToEmpty.push(emptyAt - back);
      for (let i = 0; i < IDLE_FIRES; i++) idleSamples.push(await fires.one(sse));

      const gateway = stack.creds.gateways[0]!;
      direct.push(await directIngest(stack.serverUrl, gateway.token, gateway.gatewayId, Math.min(backlog, DIRECT_EVENTS)));
    }
    return {
      outageMinutes: seconds / 60, eventsPerSec, backlog, cycles,
      drainPerSec: Math.round(median(drains)), drainsPerSec: drains.map((d) => Math.round(d)),
      backToEmptyMs: Math.round(median(backToEmpty)),
      directIngestPerSec: Math.round(median(direct)), directEvents: Math.min(backlog, DIRECT_EVENTS),
      fireDuringDrain: summary(drainSamples), fireIdle: summary(idleSamples),
    };
  } finally {
    sse?.close();
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await stack.stop();
    rmSync(siteDir, { recursive: true, force: true });
  }
}

/**
 * Polls the outbox depth every POLL_MS until it is empty. The drain's start and end are each
 * taken halfway between the last poll before and the first after (the full backlog, then less;
 * some left, then none): unbiased to half a poll.
 */
function watchDrain(gatewayUrl: string, headers: Record<string, string>, backlog: number) {
  let startedAt: number | undefined;
  let emptyAt: number | undefined;
  const result = (async () => {
    let previous = performance.now();
    for (;;) {
      const n = await outboxTotal(gatewayUrl, headers);
      const now = performance.now();
      if (startedAt === undefined && n < backlog) startedAt = (previous + now) / 2;
      if (n === 0) {
        emptyAt = (previous + now) / 2;
        startedAt ??= emptyAt;
        return { startedAt, emptyAt };
      }
      previous = now;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return { started: () => startedAt !== undefined, done: () => emptyAt !== undefined, result };
}

/** Smoke detectors toggled one at a time: each toggle timed from publish to its change on the stream. */
class FireTimer {
  private next = 0;
  private readonly state = new Map<string, boolean>();
  constructor(private readonly detectors: Array<{ client: MqttClient; deviceId: string }>) {}

  async one(sse: SseReader): Promise<number> {
    const d = this.detectors[this.next++ % this.detectors.length]!;
    const smoke = !(this.state.get(d.deviceId) ?? false);
    this.state.set(d.deviceId, smoke);
    const arrived = sse.waitFor((c) => c.alarm.deviceId === d.deviceId && c.alarm.kind === 'fire.smoke' && c.change === (smoke ? 'raised' : 'cleared'), 30_000);
    const t0 = performance.now();
    d.client.publish(nativeTopic(DELIVERY_SITE, d.deviceId, 'state'), encodeNativeState({ smoke }), { qos: 1 });
    await arrived;
    return performance.now() - t0;
  }
}

function summary(samples: number[]) {
  return { samples: samples.length, p50Ms: round(percentile(samples, 50), 1), p99Ms: round(percentile(samples, 99), 1), maxMs: round(Math.max(...samples), 1) };
}

async function outboxTotal(gatewayUrl: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${gatewayUrl}/status.json`, { headers });
  const status = await res.json() as { outbox: Record<string, number> };
  return Object.values(status.outbox).reduce((a, b) => a + b, 0);
}

async function waitForOutbox(gatewayUrl: string, headers: Record<string, string>, done: (n: number) => boolean, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const n = await outboxTotal(gatewayUrl, headers);
    if (done(n)) return n;
    if (Date.now() > until) throw new Error(`outbox at ${n} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The baseline: `count` fresh leak events posted straight to the server's ingest, batch after batch. */
async function directIngest(serverUrl: string, token: string, gatewayId: string, count: number): Promise<number> {
  const now = Date.now();
  const events: Event[] = Array.from({ length: count }, (_, i) => ({
    // The backlog's pattern (gateway/outbox/bench-backlog.ts): every sensor raises, then every sensor
    // clears — each event a transition, as in the drain; alternating per event would make half of
    // them clears of nothing, a cheaper load than the one measured.
    id: randomUUID(), siteId: DELIVERY_SITE, kind: 'water.leak', action: Math.floor(i / LEAK_SENSORS) % 2 === 0 ? 'raise' : 'clear', severity: 'major', lane: 'alarm',
    subject: `device:direct-${i % LEAK_SENSORS}`, deviceId: `direct-${i % LEAK_SENSORS}`, ts: now + i, createdAt: now + i, seq: Math.floor(i / LEAK_SENSORS), count: 1,
  }));
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += MAX_INGEST_BATCH) {
    const res = await fetch(`${serverUrl}${API_PREFIX}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ gatewayId, events: events.slice(i, i + MAX_INGEST_BATCH) }),
    });
    if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
  return Math.round(count / ((performance.now() - t0) / 1000));
}
