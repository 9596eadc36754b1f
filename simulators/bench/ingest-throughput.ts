import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { connectMqtt } from '../devices/mqtt-device.ts';
import { demoSiteFiles } from '../demo/cli.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import { TS_LOADER } from '../stack/node-command.ts';
import { median, round } from './stats.ts';
import { sumSeries } from './prom-text.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface IngestResult {
  messages: number;
  bareAedesPerSec: number;
  gatewayPerSec: number;
  ratio: number;
  runs: number;
}

interface Publisher { client: MqttClient; topic: string }

/**
 * Issue 3: gateway ingest throughput over MQTT against bare aedes with a no-op subscriber, same
 * machine, same run, same publishers and payloads (QoS 1 device state reports, one in a hundred
 * an alarm). Bare aedes: measured until its subscriber has every message. Gateway (a real
 * process with the demo site): until its `carewatch_readings_total` counts every message — each
 * one authenticated, ACL-checked, decoded, run through the rules, alarms written to the outbox.
 */
export async function benchIngestThroughput(messages = 20_000, runs = 3): Promise<IngestResult> {
  const bare: number[] = [];
  const gw: number[] = [];
  // Plain MQTT on both sides: the baseline (bare aedes) speaks no TLS.
  const stack = new ProcessStack({ siteFiles: demoSiteFiles().slice(0, 1), mqttPlain: true });
  await stack.start();
  try {
    // The demo's native smoke detectors (14): every payload below is a field of their profile.
    const devices = stack.creds.devices.filter((d) => d.transport === 'mqtt' && d.profile === 'smoke-detector');
    for (let run = 0; run < runs; run++) {
      bare.push(await bareAedesRun(messages, devices.length));
      const pubs = await Promise.all(devices.map(async (d) => ({
        client: await connectMqtt({ ...stack.mqttBroker, username: d.mqttUsername!, password: d.mqttPassword! }),
        topic: nativeTopic(d.siteId, d.deviceId, 'state'),
      })));
      const before = await readingsTotal(stack.gatewayUrl, stack.gatewayHeaders);
      const t0 = performance.now();
      await publishAll(pubs, messages);
      await waitFor(async () => (await readingsTotal(stack.gatewayUrl, stack.gatewayHeaders)) - before >= messages, 120_000);
      gw.push(messages / ((performance.now() - t0) / 1000));
      await Promise.all(pubs.map((p) => p.client.endAsync()));
    }
  } finally {
    await stack.stop();
  }
  const b = median(bare);
  const g = median(gw);
  return { messages, bareAedesPerSec: Math.round(b), gatewayPerSec: Math.round(g), ratio: round(g / b, 2), runs };
}

async function bareAedesRun(messages: number, publishers: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', TS_LOADER, join(HERE, 'bare-aedes-process.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [mqttPort, httpPort] = await new Promise<[number, number]>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (line: string) => {
        const m = /ready (\d+) (\d+)/.exec(line);
        if (m) resolve([Number(m[1]), Number(m[2])]);
      });
      child.once('exit', (code) => reject(new Error(`bare aedes exited with ${code}`)));
    });
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    const count = async () => Number(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text());
    const pubs = await Promise.all(Array.from({ length: publishers }, async (_, i) => ({
      client: await connectMqtt({ url, username: `d${i}`, password: 'x' }),
      topic: nativeTopic('demo', `dev-${i}`, 'state'),
    })));
    const t0 = performance.now();
    await publishAll(pubs, messages);
    await waitFor(async () => (await count()) >= messages, 120_000);
    const rate = messages / ((performance.now() - t0) / 1000);
    await Promise.all(pubs.map((p) => p.client.endAsync()));
    return rate;
  } finally {
    child.kill('SIGTERM');
  }
}

/** Publishers send in turn, each keeping a window of QoS 1 messages in flight. */
async function publishAll(pubs: Publisher[], messages: number): Promise<void> {
  const perPub = Math.ceil(messages / pubs.length);
  await Promise.all(pubs.map(async (p, k) => {
    const count = Math.min(perPub, messages - k * perPub);
    const window = 50;
    let inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const alarm = i % 100 === 99;
      const payload = encodeNativeState(alarm ? { smoke: (i / 100) % 2 === 0 } : { battery: 50 + (i % 50), tamper: false });
      inFlight.push(p.client.publishAsync(p.topic, payload, { qos: 1 }));
      if (inFlight.length >= window) { await Promise.all(inFlight); inFlight = []; }
    }
    await Promise.all(inFlight);
  }));
}

async function readingsTotal(gatewayUrl: string, headers: Record<string, string>): Promise<number> {
  return sumSeries(await (await fetch(`${gatewayUrl}/metrics`, { headers })).text(), 'carewatch_readings_total');
}

async function waitFor(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
