import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { demoSiteFiles } from '../demo/cli.ts';
import { brokerOptions, connectMqtt } from '../devices/mqtt-device.ts';
import { TS_LOADER } from '../stack/node-command.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import { percentile, round } from './stats.ts';

/** `deep`: ~1 MiB nested brackets (the probe); `wide`: ~60 KiB of valid JSON parsed before its signature fails. */
export type FloodBody = 'none' | 'deep' | 'wide';
export interface PubackUnderFlood {
  senders: number; body: FloodBody; samples: number; p50Ms: number; p99Ms: number; pushesSent: number;
  /** The gateway process's CPU (user + system, /proc) while the alarms were timed, % of one core. */
  gatewayCpuPct: number;
}
export interface HostileResult {
  puback: PubackUnderFlood[];
  memory: { baselineMiB: number; afterRetainedMiB: number; afterSessionsMiB: number; afterQueueMiB: number };
  abuse: { retainedMessages: number; retainedBytes: number; sessionAttempts: number; sessionsRefused: number; queuedFed: number };
}

/**
 * Issue 16 "must show": the MQTT alarm path's PUBACK p99 with no flood, and under a flood of
 * ~1 MiB deeply nested pushes to `/push/onenet` (a signed platform: its body must be read before
 * its signature can be checked) from 16 and 48 senders; the gateway's RSS under retained-message
 * and session abuse, beside its RSS before the abuse. Real `carewatch server` and `carewatch gateway` processes.
 */
export async function benchHostile(samples = 200): Promise<HostileResult> {
  const stack = new ProcessStack({ siteFiles: demoSiteFiles() });
  await stack.start();
  const clients: MqttClient[] = [];
  try {
    const detector = stack.creds.devices.find((d) => d.profile === 'smoke-detector' && d.transport === 'mqtt')!;
    const alarmClient = await connectMqtt({ ...stack.mqttBroker, username: detector.mqttUsername!, password: detector.mqttPassword! });
    clients.push(alarmClient);
    const topic = nativeTopic(detector.siteId, detector.deviceId, 'state');
    let smoke = false;
    const pubacks = async (n: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        smoke = !smoke;
        const t0 = performance.now();
        await alarmClient.publishAsync(topic, encodeNativeState({ smoke }), { qos: 1 });
        out.push(performance.now() - t0);
      }
      return out;
    };
    await pubacks(20); // warm-up, untimed, the same for every condition
    // Interleaved rounds: each condition is measured in every round, in a rotated order, so a
    // busy spell of a shared machine falls on all of them alike rather than on one.
    const conditions: Array<Pick<PubackUnderFlood, 'senders' | 'body'>> = [
      { senders: 0, body: 'none' }, { senders: 16, body: 'deep' }, { senders: 48, body: 'deep' }, { senders: 48, body: 'wide' },
    ];
    const rounds = 3;
    const perRound = Math.ceil(samples / rounds);
    const times = conditions.map(() => [] as number[]);
    const sent = conditions.map(() => 0);
    const cpu = conditions.map(() => ({ ticks: 0, ms: 0 }));
    const gatewayTicks = () => {
      const fields = readFileSync(`/proc/${stack.gateway!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime + stime (proc(5)), in clock ticks
    };
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < conditions.length; k++) {
        const i = (k + round) % conditions.length;
        const c = conditions[i]!;
        const flood = c.senders > 0 ? await startFlood(`${stack.pushUrl}/push/onenet`, c.senders, c.body) : undefined;
        if (flood) await new Promise((r) => setTimeout(r, 1000)); // the flood under way
        const ticks0 = gatewayTicks();
        const t0 = performance.now();
        times[i]!.push(...await pubacks(perRound));
        cpu[i]!.ticks += gatewayTicks() - ticks0;
        cpu[i]!.ms += performance.now() - t0;
        sent[i]! += flood ? await flood.stop() : 0;
      }
    }
    const puback: PubackUnderFlood[] = conditions.map((c, i) => ({
      ...c, samples: times[i]!.length, p50Ms: round(percentile(times[i]!, 50), 2), p99Ms: round(percentile(times[i]!, 99), 2), pushesSent: sent[i]!,
      // 100 clock ticks a second (USER_HZ on Linux).
      gatewayCpuPct: round((cpu[i]!.ticks * 10 / cpu[i]!.ms) * 100, 0),
    }));

    const rss = () => round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${stack.gateway!.pid}/status`, 'utf8'))![1]) / 1024, 1);
    const settle = () => new Promise((r) => setTimeout(r, 500));
    await settle();
    const baselineMiB = rss();
    // Retained junk: a bridge's 60 KiB retained messages under made-up friendly names.
    const bridge = stack.creds.bridges.find((b) => b.siteId === 'demo')!;
    const bridgeClient = await connectMqtt({ ...stack.mqttBroker, username: bridge.mqttUsername, password: bridge.mqttPassword });
    clients.push(bridgeClient);
    const junk = Buffer.alloc(60 * 1024, 0x61);
    const retainedMessages = 2000;
    for (let i = 0; i < retainedMessages; i++) await bridgeClient.publishAsync(`zigbee2mqtt/made-up-${i}`, junk, { qos: 1, retain: true });
    await settle();
    const afterRetainedMiB = rss();
    // Sessions: one credential asking for 2,000 clean=false sessions.
    const cred = stack.creds.devices.filter((d) => d.profile === 'smoke-detector' && d.transport === 'mqtt')[1]!;
    let sessionsRefused = 0;
    const sessionAttempts = 2000;
    for (let i = 0; i < sessionAttempts; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => new Promise<void>((resolve) => {
        const c = mqtt.connect(stack.mqttBroker.url, brokerOptions(stack.mqttBroker, { username: cred.mqttUsername!, password: cred.mqttPassword!, clientId: `abuse-${i + j}`, clean: false, reconnectPeriod: 0, connectTimeout: 10_000 }));
        c.on('error', () => undefined);
        c.once('connect', () => { clients.push(c); resolve(); });
        c.once('close', () => { sessionsRefused += 1; resolve(); });
      })));
    }
    await settle();
    const afterSessionsMiB = rss();
    // An offline clean=false session fed from a second connection.
    const sleeperCred = stack.creds.devices.filter((d) => d.profile === 'smoke-detector' && d.transport === 'mqtt')[2]!;
    const sleeperTopic = nativeTopic(sleeperCred.siteId, sleeperCred.deviceId, 'state');
    const sleeper = mqtt.connect(stack.mqttBroker.url, brokerOptions(stack.mqttBroker, { username: sleeperCred.mqttUsername!, password: sleeperCred.mqttPassword!, clientId: 'sleeper', clean: false, reconnectPeriod: 0 }));
    await new Promise<void>((r) => sleeper.once('connect', () => r()));
    await sleeper.subscribeAsync(sleeperTopic, { qos: 1 });
    await sleeper.endAsync();
    const feeder = await connectMqtt({ ...stack.mqttBroker, username: sleeperCred.mqttUsername!, password: sleeperCred.mqttPassword! });
    clients.push(feeder);
    const queuedFed = 2000;
    const padded = encodeNativeState({ battery: 80 });
    for (let i = 0; i < queuedFed; i++) await feeder.publishAsync(sleeperTopic, padded, { qos: 1 });
    await settle();
    const afterQueueMiB = rss();
    return {
      puback,
      memory: { baselineMiB, afterRetainedMiB, afterSessionsMiB, afterQueueMiB },
      abuse: { retainedMessages, retainedBytes: junk.length, sessionAttempts, sessionsRefused, queuedFed },
    };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await stack.stop();
  }
}

/** The flood in its own process (push-flood.ts), so its work does not weigh on the bench's own timing. */
async function startFlood(url: string, senders: number, body: FloodBody): Promise<{ stop: () => Promise<number> }> {
  const child = spawn(process.execPath, ['--import', TS_LOADER, resolve(import.meta.dirname, 'push-flood.ts'), url, String(senders), body], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise<string>((r, reject) => {
    lines.once('line', r);
    child.once('exit', (code) => reject(new Error(`push flood exited with ${code}`)));
  });
  await next();
  return {
    async stop() {
      const last = next();
      child.kill('SIGTERM');
      return (JSON.parse(await last) as { pushesSent: number }).pushesSent;
    },
  };
}
