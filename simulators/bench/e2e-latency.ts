import { performance } from 'node:perf_hooks';
import { nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { demoSiteFiles } from '../demo/cli.ts';
import { connectMqtt } from '../devices/mqtt-device.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import { openSse } from './sse-reader.ts';
import { percentile, round } from './stats.ts';

export interface E2eLatencyResult {
  alarms: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Issue 2: time from a device's MQTT publish to the alarm change arriving on the console's SSE
 * stream, through the real server and gateway processes. Alarms are sent one at a time (raise,
 * then clear) across the demo's native smoke detectors, so each sample is one alarm's own path.
 */
export async function benchE2eLatency(alarms = 1000, gatewayArgs: string[] = []): Promise<E2eLatencyResult> {
  const stack = new ProcessStack({ siteFiles: demoSiteFiles().slice(0, 1), gatewayArgs });
  await stack.start();
  try {
    const nurse = stack.creds.users.find((u) => u.username === 'night-nurse')!.token;
    const sse = await openSse(`${stack.serverUrl}/api/v1/stream`, nurse);
    const detectors = stack.creds.devices.filter((d) => d.profile === 'smoke-detector' && d.transport === 'mqtt');
    const clients = await Promise.all(detectors.map((d) => connectMqtt({ ...stack.mqttBroker, username: d.mqttUsername!, password: d.mqttPassword! })));
    const samples: number[] = [];
    try {
      for (let i = 0; i < alarms; i++) {
        const k = i % detectors.length;
        const d = detectors[k]!;
        const smoke = Math.floor(i / detectors.length) % 2 === 0;
        const arrived = sse.waitFor((c) => c.alarm.deviceId === d.deviceId && (smoke ? c.change === 'raised' : c.change === 'cleared'));
        const t0 = performance.now();
        clients[k]!.publish(nativeTopic(d.siteId, d.deviceId, 'state'), encodeNativeState({ smoke }), { qos: 1 });
        await arrived;
        samples.push(performance.now() - t0);
      }
    } finally {
      sse.close();
      await Promise.all(clients.map((c) => c.endAsync()));
    }
    return { alarms, p50Ms: round(percentile(samples, 50), 3), p99Ms: round(percentile(samples, 99), 3), maxMs: round(Math.max(...samples), 3) };
  } finally {
    await stack.stop();
  }
}
