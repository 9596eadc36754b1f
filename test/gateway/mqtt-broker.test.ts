import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { connectMqtt } from '../../simulators/devices/mqtt-device.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('embedded broker bounds: oversize packets', () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(); });
  afterAll(async () => { await stack?.stop(); });

  it('closes a client whose packet declares more than the limit before buffering it, counts it, and keeps serving others', async () => {
    const before = stack.gateway.rejections.total('mqtt', 'oversize');
    const device = await connectMqtt({ url: stack.mqttUrl, ...stack.mqttLogin('smoke-201') });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('carewatch/demo/devices/smoke-201/state', Buffer.alloc(200 * 1024, 0x20), { qos: 0 });
    await closed;
    device.end(true);
    expect(stack.gateway.rejections.total('mqtt', 'oversize')).toBe(before + 1);

    const next = await connectMqtt({ url: stack.mqttUrl, ...stack.mqttLogin('smoke-202') });
    await next.publishAsync('carewatch/demo/devices/smoke-202/state', '{"battery":80}', { qos: 1 });
    await next.endAsync();
  });

  it('refuses a malformed remaining-length field (a fifth continuation byte) without hanging, counted as a bad frame', async () => {
    const before = stack.gateway.rejections.total('mqtt', 'bad_frame');
    const port = Number(new URL(stack.mqttUrl).port);
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])); // [MQTT-2.2.3]: at most 4 length bytes
    await closed;
    expect(stack.gateway.rejections.total('mqtt', 'bad_frame')).toBe(before + 1);
  });
});

describe('embedded broker over TLS', () => {
  const dir = tempDir('carewatch-tls-');
  let stack: Stack;
  const key = join(dir.path, 'key.pem');
  const cert = join(dir.path, 'cert.pem');

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    stack = await startStack({ gatewayOptions: { mqtt: { host: '127.0.0.1', port: 0, tls: { keyFile: key, certFile: cert } } } });
  });
  afterAll(async () => {
    await stack?.stop();
    dir.remove();
  });

  it('authenticates a device over mqtts:// with the gateway certificate, and plain MQTT on that port fails', async () => {
    const port = new URL(stack.mqttUrl).port;
    const login = stack.mqttLogin('smoke-203');
    const secure = mqtt.connect(`mqtts://127.0.0.1:${port}`, { ...login, ca: readFileSync(cert), reconnectPeriod: 0, connectTimeout: 5000 });
    await new Promise<void>((resolve, reject) => { secure.once('connect', () => resolve()); secure.once('error', reject); });
    await secure.publishAsync('carewatch/demo/devices/smoke-203/state', '{"battery":77}', { qos: 1 });
    await secure.endAsync();

    const plain = await connectMqtt({ url: `mqtt://127.0.0.1:${port}`, ...login }).then(() => 'connected', () => 'refused');
    expect(plain).toBe('refused');
  });
});
