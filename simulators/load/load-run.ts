import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import type { DemoCredentials } from '../../contract/index.ts';
import { encodeZ2mState } from '../../devices/encode.ts';
import { getProfile } from '../../devices/registry.ts';
import { openSse, type SseReader } from '../bench/sse-reader.ts';
import { percentile, round } from '../bench/stats.ts';
import { connectMqtt, type BrokerAddress } from '../devices/mqtt-device.ts';
import type { LoadDevice } from './load-site.ts';
import { sumSeries } from '../bench/prom-text.ts';

export interface LoadEndpoints {
  mqtt: BrokerAddress;
  serverUrl: string;
  /** The gateway's own HTTP (its /metrics counts what it refused). */
  gatewayUrl: string;
  /** The gateway's local staff token (its /metrics answers only to it). */
  gatewayHeaders?: Record<string, string>;
  /** A user's token for the alarm stream. */
  token: string;
  creds: DemoCredentials;
}

export interface LoadProgress { elapsedS: number; durationS: number; sent: number; acked: number; alarmsSent: number; alarmsSeen: number; inFlight: number }

export interface LoadSummary {
  durationS: number;
  devices: number;
  /** Messages per second asked for, and reached. */
  rate: number;
  ratePerSec: number;
  sent: number;
  /** Acknowledged by the gateway's broker (MQTT PUBACK). */
  acked: number;
  /** Refused by the gateway while the run lasted (its carewatch_rejected_total). */
  rejected: number;
  /** Publish → PUBACK. */
  ackP50Ms: number;
  ackP99Ms: number;
  /** The rare alarms: a call button pressed → its alarm on the server's stream (a console's view). */
  alarms: { sent: number; seen: number; p50Ms: number; p99Ms: number; maxMs: number };
}

/** The call buttons pressed for alarms, shared by the runs of one session so each press raises a new alarm. */
export class ButtonQueue {
  private next = 0;
  constructor(private readonly buttons: readonly LoadDevice[]) {}
  take(): LoadDevice {
    const b = this.buttons[this.next++];
    if (!b) throw new Error(`all ${this.buttons.length} call buttons have been pressed: more devices, or fewer alarms`);
    return b;
  }
}

/**
 * Plays `devices` at `rate` messages/s for `durationS` over their Zigbee2MQTT hubs (one MQTT
 * connection each, QoS 1, payloads encoded by devices/ codecs): keep-alives (battery, link
 * quality), vitals (a wearable's heart rate), activity (motion, doors) and, at `alarmsPerSec`,
 * a call button pressed whose alarm is timed to the server's stream. `rate` 0 plays the alarms
 * alone (the baseline).
 */
export async function runLoad(ep: LoadEndpoints, opts: {
  devices: readonly LoadDevice[]; rate: number; durationS: number; alarmsPerSec: number; buttons: ButtonQueue;
  onProgress?: (p: LoadProgress) => void;
}): Promise<LoadSummary> {
  const background = opts.devices.filter((d) => d.profile !== 'call-button');
  const clients = await connectHubs(ep, opts.devices);
  const sse = await openSse(`${ep.serverUrl}/api/v1/stream`, ep.token);
  const rejectedBefore = await rejectedTotal(ep.gatewayUrl, ep.gatewayHeaders);
  const ackMs: number[] = [];
  const alarmMs: number[] = [];
  let sent = 0;
  let acked = 0;
  let alarmsSent = 0;
  let cursor = 0;
  const pending = new Set<Promise<unknown>>();
  const publish = (d: LoadDevice, fields: Record<string, unknown>): number => {
    const t0 = performance.now();
    const { client, baseTopic } = clients.get(d.bridge)!;
    client.publish(`${baseTopic}/${d.friendlyName}`, encodeZ2mState(fields, getProfile(d.profile)!), { qos: 1 }, (err) => {
      if (err) return;
      acked++;
      ackMs.push(performance.now() - t0);
    });
    sent++;
    return t0;
  };
  const press = () => {
    const button = opts.buttons.take();
    alarmsSent++;
    const seen = sse.waitFor((c) => c.alarm.deviceId === button.id && c.change === 'raised', 30_000);
    const t0 = publish(button, { action: 'emergency' });
    const p = seen.then(() => { alarmMs.push(performance.now() - t0); }, () => undefined);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const start = performance.now();
  const endAt = start + opts.durationS * 1000;
  let lastProgress = start;
  try {
    // A 10 ms tick sends what is due by now: the rate holds on average even when a tick is late.
    while (performance.now() < endAt) {
      const elapsed = (performance.now() - start) / 1000;
      const dueAlarms = Math.floor(elapsed * opts.alarmsPerSec) + 1 - alarmsSent;
      for (let k = 0; k < dueAlarms; k++) press();
      const due = Math.floor(elapsed * opts.rate) - (sent - alarmsSent);
      for (let k = 0; k < due && background.length > 0; k++) {
        const d = background[cursor++ % background.length]!;
        publish(d, routineFields(d, cursor));
      }
      if (performance.now() - lastProgress >= 1000) {
        lastProgress = performance.now();
        opts.onProgress?.({ elapsedS: elapsed, durationS: opts.durationS, sent, acked, alarmsSent, alarmsSeen: alarmMs.length, inFlight: sent - acked });
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    // What was sent is waited for (acks, the alarms' arrival), not cut off at the bell.
    await Promise.all(pending);
    const until = performance.now() + 10_000;
    while (acked < sent && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  } finally {
    sse.close();
    await Promise.all([...clients.values()].map(({ client }) => client.endAsync()));
  }
  const actualS = (performance.now() - start) / 1000;
  const ms = (values: number[], p: number) => round(percentile(values, p), 1);
  return {
    durationS: opts.durationS, devices: opts.devices.length, rate: opts.rate, ratePerSec: Math.round((sent - alarmsSent) / Math.min(actualS, opts.durationS)),
    sent, acked, rejected: (await rejectedTotal(ep.gatewayUrl, ep.gatewayHeaders)) - rejectedBefore,
    ackP50Ms: ms(ackMs, 50), ackP99Ms: ms(ackMs, 99),
    alarms: { sent: alarmsSent, seen: alarmMs.length, p50Ms: ms(alarmMs, 50), p99Ms: ms(alarmMs, 99), maxMs: round(Math.max(...alarmMs), 1) },
  };
}

/** What a device sends when nothing is wrong: mostly keep-alives, a wearable's heart rate, motion and doors. */
function routineFields(d: LoadDevice, n: number): Record<string, unknown> {
  const keepAlive = { battery: 70 + (n % 30), linkquality: 80 + (n % 150) };
  switch (d.profile) {
    case 'wearable': return n % 2 === 0 ? { heart_rate: 62 + (n % 25) } : keepAlive;
    case 'motion-sensor': return n % 3 === 0 ? { occupancy: n % 2 === 0 } : keepAlive;
    case 'door-contact': return n % 4 === 0 ? { contact: true } : keepAlive;
    default: return keepAlive;
  }
}

async function connectHubs(ep: LoadEndpoints, devices: readonly LoadDevice[]): Promise<Map<string, { client: MqttClient; baseTopic: string }>> {
  const out = new Map<string, { client: MqttClient; baseTopic: string }>();
  for (const name of new Set(devices.map((d) => d.bridge))) {
    const login = ep.creds.bridges.find((b) => b.siteId === 'load' && b.name === name);
    if (!login) throw new Error(`no credentials for the load site's hub ${name}`);
    out.set(name, { client: await connectMqtt({ ...ep.mqtt, username: login.mqttUsername, password: login.mqttPassword }), baseTopic: `z2m-${name}` });
  }
  return out;
}

/** The gateway's count of refused inputs (all transports and reasons), from its Prometheus text. */
async function rejectedTotal(gatewayUrl: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${gatewayUrl}/metrics`, { headers });
  // A refused read must not pass for "nothing rejected".
  if (!res.ok) throw new Error(`the gateway's /metrics answered ${res.status} (give its staff token)`);
  return sumSeries(await res.text(), 'carewatch_rejected_total');
}
