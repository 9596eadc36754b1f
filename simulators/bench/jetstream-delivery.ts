import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { connectMqtt } from '../devices/mqtt-device.ts';
import { type NatsServer, startNatsServer } from '../stack/nats-server.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import type { Bench } from './benches.ts';
import { DELIVERY_SITE, writeDeliverySite } from './delivery-site.ts';
import { sumSeries } from './prom-text.ts';
import { median } from './stats.ts';

const SENSORS = 100;
type Via = 'http' | 'jetstream';

interface Round { via: Via; backlog: number; storedPerSec: number; handedOnWithoutServer: boolean }

/**
 * Issue 22: a gateway's backlog after a server outage, stored by the server once it is back —
 * delivered over HTTP (the default) and through NATS JetStream, in the same run, rounds alternating.
 */
async function deliverBacklog(via: Via, nats: NatsServer, changes: number): Promise<Round> {
  const siteDir = mkdtempSync(join(tmpdir(), 'carewatch-bench-js-'));
  const stack = new ProcessStack({
    siteFiles: [writeDeliverySite(siteDir, SENSORS, 0)],
    // The same server in both: the bus and JetStream ingest on; only the gateway's delivery differs.
    serverArgs: ['--bus', nats.url, '--jetstream-ingest'],
    gatewayArgs: via === 'jetstream' ? ['--deliver', 'jetstream', '--nats', nats.url] : [],
  });
  const clients: MqttClient[] = [];
  try {
    await stack.start();
    const stored = async () => sumSeries(await (await fetch(`${stack.serverUrl}/metrics`)).text(), 'carewatch_ingest_events_total');
    const outbox = async () => {
      const status = await (await fetch(`${stack.gatewayUrl}/status.json`, { headers: stack.gatewayHeaders })).json() as { outbox: Record<string, number> };
      return Object.values(status.outbox).reduce((a, b) => a + b, 0);
    };
    const pad = (i: number) => String(i).padStart(4, '0');
    const sensors: MqttClient[] = [];
    for (let i = 0; i < SENSORS; i++) { // one TLS handshake at a time: the gateway caps connections not yet logged in
      const d = stack.creds.devices.find((c) => c.deviceId === `leak-${pad(i + 1)}`)!;
      sensors.push(await connectMqtt({ ...stack.mqttBroker, username: d.mqttUsername!, password: d.mqttPassword! }));
      clients.push(sensors.at(-1)!);
    }
    const publish = (perSensor: number, from: number) => Promise.all(sensors.map(async (client, i) => {
      const topic = nativeTopic(DELIVERY_SITE, `leak-${pad(i + 1)}`, 'state');
      for (let k = from; k < from + perSensor; k++) await client.publishAsync(topic, encodeNativeState({ water_leak: k % 2 === 0 }), { qos: 1 });
    }));
    // Warm-up, the same in both: one change per sensor through the whole path.
    await publish(1, 0);
    await until(async () => (await stored()) >= SENSORS, 60_000);

    await stack.kill9('server');
    const perSensor = Math.ceil(changes / SENSORS);
    await publish(perSensor, 1);
    const backlog = SENSORS * perSensor;
    // Over HTTP the backlog waits in the outbox; through JetStream it leaves it with no server running.
    await until(async () => (via === 'http' ? (await outbox()) >= backlog : (await outbox()) === 0), 120_000);
    const handedOnWithoutServer = (await outbox()) === 0;

    // A new server process: its counter starts at 0 and counts the backlog only.
    await stack.startServer();
    const t0 = performance.now();
    const at0 = await stored();
    await until(async () => (await stored()) >= backlog, 120_000, 20);
    const seconds = (performance.now() - t0) / 1000;
    return { via, backlog, storedPerSec: Math.round((backlog - at0) / seconds), handedOnWithoutServer };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await stack.stop();
    rmSync(siteDir, { recursive: true, force: true });
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function benchJetStreamDelivery(changes: number, rounds: number): Promise<{ changes: number; rounds: Round[]; httpPerSec: number; jetstreamPerSec: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-bench-nats-'));
  const nats = await startNatsServer(dir);
  try {
    const all: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      for (const via of (i % 2 === 0 ? ['http', 'jetstream'] : ['jetstream', 'http']) as Via[]) all.push(await deliverBacklog(via, nats, changes));
    }
    const rate = (via: Via) => median(all.filter((r) => r.via === via).map((r) => r.storedPerSec));
    return { changes, rounds: all, httpPerSec: rate('http'), jetstreamPerSec: rate('jetstream') };
  } finally {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const jetstreamBench: Bench = {
  name: 'jetstream',
  about: 'a gateway backlog stored after a server outage: delivered through NATS JetStream beside HTTP (issue 22)',
  async run() {
    const r = await benchJetStreamDelivery(5_000, 3);
    const n = r.rounds.length / 2;
    return {
      title: 'Gateway delivery through NATS JetStream beside HTTP (issue 22)',
      method: `Real \`carewatch server --bus … --jetstream-ingest\` and \`carewatch gateway\` processes and Debian's nats-server 2.9.10 with JetStream (file storage) on loopback; a care home of ${SENSORS} MQTT water-leak sensors. After a warm-up change per sensor the server is killed (SIGKILL) and the sensors publish ${r.rounds[0]!.backlog} leak changes (QoS 1, one event each). Over HTTP they wait in the gateway's outbox; through JetStream the gateway hands them on into the stream with no server running. The server is started again: events/s = events stored ÷ time from the server answering /healthz to the last one stored (its \`carewatch_ingest_events_total\`). ${n} rounds of each, alternating which goes first; medians.`,
      baseline: 'the same backlog delivered over HTTP (the default), same server, same warm-up, in the same run',
      figures: { ...r },
      table: ['| | backlog stored after the outage |', '|---|---:|',
        `| HTTP from the gateway's outbox (baseline) | ${r.httpPerSec} events/s |`,
        `| NATS JetStream, server consuming the stream | **${r.jetstreamPerSec} events/s** |`],
      lines: [`backlog stored: HTTP ${r.httpPerSec} events/s, JetStream ${r.jetstreamPerSec} events/s (medians of ${n}); handed on with no server: ${r.rounds.filter((x) => x.via === 'jetstream').every((x) => x.handedOnWithoutServer)}`],
    };
  },
};
