import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import mqtt from 'mqtt';
import { brokerOptions } from '../../simulators/devices/mqtt-device.ts';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';
import { DEMO_SITE } from '../helpers/stack.ts';
import { SseClient } from '../helpers/sse-client.ts';

/**
 * Issue 16: idle sockets with no CONNECT or request reached the descriptor limit of gateway and
 * server; new devices got no CONNACK and consoles could not reconnect. Here the server and the
 * gateway run as real processes with a 512-descriptor limit, and 700 silent sockets go to each
 * of their listeners — more than the limit — before a new device and a console come.
 */
const LIMIT = 512;
const STORM = 700;
const wrapper = ['bash', '-c', `ulimit -n ${LIMIT} && exec "$0" "$@"`];

const storm: net.Socket[] = [];
async function flood(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    storm.push(s);
  }
  // Every socket was answered by the kernel (connect) or already closed by the process. The
  // listeners' accept queues hold 4,096 (contract/connection-gate.ts LISTEN_BACKLOG): with
  // Node's 511, connects past it had their SYN dropped and retried after 1, 3, 7 s..., and under
  // load the storm itself, then the device queued behind it, ran past the test's time (flaky).
  // Now the storm lands in ~0.3 s a listener on a busy machine, and the device's SYN is queued, not dropped.
  await Promise.all(storm.slice(-n).map((s) => new Promise<void>((r) => {
    if (s.readyState === 'open') r();
    s.once('connect', () => r());
    s.once('close', () => r());
  })));
}

describe('a storm of silent sockets beyond the descriptor limit', () => {
  let stack: ProcessStack;
  beforeAll(async () => {
    stack = new ProcessStack({ siteFiles: [DEMO_SITE], gatewayWrapper: wrapper, serverWrapper: wrapper });
    await stack.start();
  }, 90_000);
  afterAll(async () => {
    for (const s of storm.splice(0)) s.destroy();
    await stack?.stop();
  });

  it('a new device still gets its CONNACK and PUBACK from the gateway', { timeout: 90_000 }, async () => {
    await flood(stack.ports.mqtt, STORM);
    await flood(stack.ports.watch, STORM);
    await flood(stack.ports.gatewayHttp, STORM);
    await flood(stack.ports.push, STORM);
    const d = stack.creds.devices.find((x) => x.deviceId === 'smoke-201')!;
    // A generous bound (a loaded CI machine): the claim is that it connects at all; before
    // issue 16 it never did, the gateway being out of descriptors.
    const device = mqtt.connect(stack.mqttBroker.url, brokerOptions(stack.mqttBroker, { username: d.mqttUsername!, password: d.mqttPassword!, reconnectPeriod: 0, connectTimeout: 30_000 }));
    device.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      device.once('connect', () => resolve());
      device.once('close', () => reject(new Error('closed before CONNACK')));
    });
    await device.publishAsync(nativeTopic('demo', 'smoke-201', 'state'), encodeNativeState({ battery: 80 }), { qos: 1 });
    await device.endAsync();
  });

  it('a console still reconnects to the server: its alarm list and its live stream answer', { timeout: 90_000 }, async () => {
    await flood(stack.ports.server, STORM);
    const token = stack.creds.users.find((u) => u.username === 'night-nurse')!.token;
    const res = await fetch(`${stack.serverUrl}/api/v1/alarms?status=all`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const sse = new SseClient(`${stack.serverUrl}/api/v1/stream`, { authorization: `Bearer ${token}` });
    await sse.open();
    try {
      expect(sse.status).toBe(200);
    } finally {
      sse.close();
    }
  });
});
