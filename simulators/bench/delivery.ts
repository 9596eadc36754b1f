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
import { percentile, round } from './stats.ts';

export interface DeliveryDrainResult {
  /** Events waiting in the outbox when the server came back. */
  backlog: number;
  drainPerSec: number;
  /** Baseline: the same number of events posted straight to the server's ingest, 500 a batch, one connection. */
  directIngestPerSec: number;
  /** Fires (smoke raise or clear) timed MQTT publish → SSE at the console, during the drain. */
  fireDuringDrain: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** Baseline: the same fires with no backlog, same stack. */
  fireIdle: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
}

const LEAK_SENSORS = 500;
const SMOKE_DETECTORS = 8;

/**
 * Issue 15, "npm run bench": the gateway's outbox after a 10-minute outage drains to the server;
 * how fast, and how long a fire raised meanwhile takes to reach the console. The backlog is made
 * through the public ports, as devices make it: `changes` leak-sensor changes published over MQTT
 * QoS 1 while the server is down (60,000 = 100 alarm events a second for 10 minutes).
 */
export async function benchDeliveryDrain(changes = 60_000): Promise<DeliveryDrainResult> {
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
    const sensors = await Promise.all(Array.from({ length: LEAK_SENSORS }, (_, i) => connectMqtt(login(`leak-${pad(i + 1)}`))));
    const smoke = await Promise.all(Array.from({ length: SMOKE_DETECTORS }, (_, i) => connectMqtt(login(`smoke-${pad(i + 1)}`))));
    clients.push(...sensors, ...smoke);
    const fires = new FireTimer(smoke.map((client, i) => ({ client, deviceId: `smoke-${pad(i + 1)}` })));

    // The outage: the devices keep reporting, the gateway acknowledges into its outbox.
    await stack.kill9('server');
    const perSensor = Math.ceil(changes / LEAK_SENSORS);
    await Promise.all(sensors.map(async (client, i) => {
      const topic = nativeTopic(DELIVERY_SITE, `leak-${pad(i + 1)}`, 'state');
      const acks: Array<Promise<unknown>> = [];
      for (let k = 0; k < perSensor; k++) acks.push(client.publishAsync(topic, encodeNativeState({ water_leak: k % 2 === 0 }), { qos: 1 }));
      await Promise.all(acks);
    }));
    const backlog = await waitForOutbox(stack.gatewayUrl, stack.gatewayHeaders, (n) => n >= LEAK_SENSORS * perSensor, 120_000);

    // The server returns; time the drain on the gateway's own status page, fires through it.
    await stack.startServer();
    sse = await openSse(`${stack.serverUrl}${API_PREFIX}/stream`, admin);
    const drainSamples: number[] = [];
    let first: number | undefined;
    let last = performance.now();
    let draining = true;
    const poll = (async () => {
      for (;;) {
        const n = await outboxTotal(stack.gatewayUrl, stack.gatewayHeaders);
        const now = performance.now();
        if (first === undefined && n < backlog) first = now;
        if (n === 0) { last = now; draining = false; return; }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    while (draining) {
      if (first === undefined) { await new Promise((r) => setTimeout(r, 5)); continue; }
      drainSamples.push(await fires.one(sse));
      await new Promise((r) => setTimeout(r, 20));
    }
    await poll;
    const sent = backlog; // every change was one event; the status page counted them in
    const drainPerSec = Math.round(sent / ((last - first!) / 1000));
    const idleSamples: number[] = [];
    for (let i = 0; i < 100; i++) idleSamples.push(await fires.one(sse));

    const gatewayToken = stack.creds.gateways[0]!.token;
    const directIngestPerSec = await directIngest(stack.serverUrl, gatewayToken, stack.creds.gateways[0]!.gatewayId, backlog);
    return { backlog, drainPerSec, directIngestPerSec, fireDuringDrain: summary(drainSamples), fireIdle: summary(idleSamples) };
  } finally {
    sse?.close();
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await stack.stop();
    rmSync(siteDir, { recursive: true, force: true });
  }
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
    id: randomUUID(), siteId: DELIVERY_SITE, kind: 'water.leak', action: i % 2 === 0 ? 'raise' : 'clear', severity: 'major', lane: 'alarm',
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
