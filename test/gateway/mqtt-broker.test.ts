import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMqtt } from '../../simulators/devices/mqtt-device.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

describe('embedded broker bounds: oversize packets', () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(); });
  afterAll(async () => { await stack?.stop(); });

  it('closes a client whose packet declares more than the limit before buffering it, counts it, and keeps serving others', async () => {
    const before = stack.gateway.rejections.total('mqtt', 'oversize');
    const device = await connectMqtt({ ...stack.mqttBroker, ...stack.mqttLogin('smoke-201') });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('carewatch/demo/devices/smoke-201/state', Buffer.alloc(200 * 1024, 0x20), { qos: 0 });
    await closed;
    device.end(true);
    expect(stack.gateway.rejections.total('mqtt', 'oversize')).toBe(before + 1);

    const next = await connectMqtt({ ...stack.mqttBroker, ...stack.mqttLogin('smoke-202') });
    await next.publishAsync('carewatch/demo/devices/smoke-202/state', '{"battery":80}', { qos: 1 });
    await next.endAsync();
  });

  it('refuses a malformed remaining-length field (a fifth continuation byte) without hanging, counted as a bad frame', async () => {
    const before = stack.gateway.rejections.total('mqtt', 'bad_frame');
    const port = Number(new URL(stack.mqttBroker.url).port);
    const socket = tls.connect({ host: '127.0.0.1', port, ca: stack.mqttBroker.ca });
    await new Promise<void>((r) => socket.once('secureConnect', () => r()));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])); // [MQTT-2.2.3]: at most 4 length bytes
    await closed;
    expect(stack.gateway.rejections.total('mqtt', 'bad_frame')).toBe(before + 1);
  });
});
