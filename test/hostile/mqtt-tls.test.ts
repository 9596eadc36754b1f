import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttTlsFilesIn, provisionMqttTls } from '../../contract/mqtt-tls.ts';
import { DemoCredentials } from '../../contract/index.ts';
import { brokerAt, brokerOptions, connectMqtt } from '../../simulators/devices/mqtt-device.ts';
import { demoPaths, provisionDemo, readSiteFile } from '../../simulators/demo/provision.ts';
import { freePort } from '../../simulators/stack/free-port.ts';
import { DEMO_SITE, type Stack, startStack } from '../helpers/stack.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Issue 16: MQTT over TLS by default, with the certificate made at provisioning. The stack's
 * gateway serves the certificate the demo's provisioning made; devices trust its CA.
 */
describe('the certificate made at provisioning', () => {
  const dir = tempDir('carewatch-mqtt-tls-');
  afterAll(() => dir.remove());

  it('is signed by the CA devices are given, names the addresses it serves, and its keys are 0600', () => {
    const files = mqttTlsFilesIn(join(dir.path, 'gateway'), dir.path);
    expect(provisionMqttTls(files, { hosts: ['localhost', '127.0.0.1', '::1', 'gw.example'], commonName: 'gw-1' }).made).toBe('ca and certificate');
    // openssl, not our own code, judges the chain (RFC 5280 path validation) and the names.
    expect(execFileSync('openssl', ['verify', '-CAfile', files.caCertFile, files.certFile], { encoding: 'utf8' })).toMatch(/: OK/);
    const cert = new X509Certificate(readFileSync(files.certFile));
    expect(cert.checkHost('gw.example')).toBe('gw.example');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('elsewhere.example')).toBeUndefined();
    expect(cert.ca).toBe(false);
    expect(new X509Certificate(readFileSync(files.caCertFile)).ca).toBe(true);
    expect(statSync(files.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(files.caKeyFile).mode & 0o777).toBe(0o600);
  });

  it('is kept by a later provisioning, so devices keep trusting it; a new gateway certificate is signed by the same CA', () => {
    const files = mqttTlsFilesIn(join(dir.path, 'gateway'), dir.path);
    const ca = readFileSync(files.caCertFile, 'utf8');
    const cert = readFileSync(files.certFile, 'utf8');
    expect(provisionMqttTls(files, { hosts: ['localhost'], commonName: 'gw-1' }).made).toBe('nothing');
    expect(readFileSync(files.certFile, 'utf8')).toBe(cert);
    const second = mqttTlsFilesIn(join(dir.path, 'gateway-2'), dir.path);
    expect(provisionMqttTls(second, { hosts: ['localhost'], commonName: 'gw-2' }).made).toBe('certificate');
    expect(readFileSync(second.caCertFile, 'utf8')).toBe(ca);
    expect(execFileSync('openssl', ['verify', '-CAfile', files.caCertFile, second.certFile], { encoding: 'utf8' })).toMatch(/: OK/);
  });
});

describe('the gateway broker over TLS', () => {
  let stack: Stack;
  const other = tempDir('carewatch-other-ca-');
  beforeAll(async () => { stack = await startStack(); });
  afterAll(async () => {
    await stack?.stop();
    other.remove();
  });

  it('serves mqtts:// to a device trusting the provisioning CA: CONNACK and PUBACK', async () => {
    expect(stack.mqttBroker.url).toMatch(/^mqtts:/);
    const device = await connectMqtt({ ...stack.mqttBroker, ...stack.mqttLogin('smoke-203') });
    await device.publishAsync('carewatch/demo/devices/smoke-203/state', '{"battery":77}', { qos: 1 });
    await device.endAsync();
  });

  it('refuses a plain-TCP MQTT client on the TLS port (no CONNACK) and counts the failed handshake', async () => {
    const before = stack.gateway.rejections.total('mqtt', 'bad_frame');
    const plain = mqtt.connect(stack.mqttBroker.url.replace('mqtts:', 'mqtt:'), { ...stack.mqttLogin('smoke-203'), reconnectPeriod: 0, connectTimeout: 10_000 });
    plain.on('error', () => undefined);
    const outcome = await new Promise<string>((resolve) => {
      plain.once('connect', () => resolve('connected'));
      plain.once('close', () => resolve('closed'));
    });
    plain.end(true);
    expect(outcome).toBe('closed');
    expect(stack.gateway.rejections.total('mqtt', 'bad_frame')).toBe(before + 1);
  });

  it('is refused by a client trusting another CA (another installation\'s): the certificate does not verify', async () => {
    const foreign = mqttTlsFilesIn(other.path);
    provisionMqttTls(foreign, { hosts: ['127.0.0.1'], commonName: 'elsewhere' });
    const client = mqtt.connect(stack.mqttBroker.url, brokerOptions({ url: stack.mqttBroker.url, ca: readFileSync(foreign.caCertFile, 'utf8') }, {
      ...stack.mqttLogin('smoke-203'), reconnectPeriod: 0, connectTimeout: 10_000,
    }));
    const outcome = await new Promise<string>((resolve) => {
      client.once('connect', () => resolve('connected'));
      client.once('error', (err) => resolve(String((err as { code?: unknown }).code)));
    });
    client.end(true);
    // OpenSSL's verdict on a chain that does not reach the trusted CA (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY / _VERIFY_LEAF_SIGNATURE).
    expect(outcome).toMatch(/^UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)$/);
    // The gateway is not harmed: a provisioned device still gets in.
    const device = await connectMqtt({ ...stack.mqttBroker, ...stack.mqttLogin('smoke-204') });
    await device.endAsync();
  });
});

describe('plain MQTT only when asked', () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack({ mqttPlain: true }); });
  afterAll(async () => { await stack?.stop(); });

  it('serves mqtt:// without a CA', async () => {
    expect(stack.mqttBroker).toEqual({ url: expect.stringMatching(/^mqtt:\/\//) as string });
    const device = await connectMqtt({ ...stack.mqttBroker, ...stack.mqttLogin('smoke-203') });
    await device.endAsync();
  });
});

/** `carewatch gateway` as an installer starts it: no TLS flags, an empty data folder. */
describe('carewatch gateway, first start', () => {
  const dir = tempDir('carewatch-gw-first-');
  const children: ChildProcess[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => { c.once('exit', r); c.kill('SIGTERM'); }) : undefined)));
    dir.remove();
  });

  async function startGateway(dataDir: string, extra: string[]): Promise<{ child: ChildProcess; mqttPort: number; output: () => string }> {
    const paths = demoPaths(dir.path);
    provisionDemo(paths, [readSiteFile(DEMO_SITE)], 'gw-1');
    const [mqttPort, http, watch, push, server] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const child = spawn(process.execPath, [join(ROOT, 'carewatch.mjs'), 'gateway', '--site', DEMO_SITE, '--gateway-id', 'gw-1', '--config-pull', 'off',
      '--credentials', paths.gatewayCredentials, '--data-dir', dataDir, '--server', `http://127.0.0.1:${server}`,
      '--mqtt-port', String(mqttPort), '--http-port', String(http), '--watch-port', String(watch), '--push-port', String(push), ...extra], {
      env: { ...process.env, CAREWATCH_GATEWAY_TOKEN: 'x', CAREWATCH_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (b: Buffer) => { output += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { output += b.toString(); });
    // Up when its status page answers (the broker is started before it).
    for (const until = Date.now() + 60_000; ;) {
      if (child.exitCode !== null) throw new Error(`gateway exited ${child.exitCode}: ${output}`);
      const up = await fetch(`http://127.0.0.1:${http}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > until) throw new Error(`gateway not up: ${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { child, mqttPort, output: () => output };
  }

  it('makes its CA, key (0600) and certificate in its data folder, says where the CA is, and serves mqtts:// with them', { timeout: 90_000 }, async () => {
    const dataDir = join(dir.path, 'gw-data');
    const gw = await startGateway(dataDir, []);
    const files = mqttTlsFilesIn(dataDir);
    expect(statSync(files.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(files.caKeyFile).mode & 0o777).toBe(0o600);
    expect(gw.output()).toContain(`devices trust ${files.caCertFile}`);
    const login = stackLogin(dir.path, 'smoke-201');
    const device = await connectMqtt({ ...brokerAt(`mqtts://127.0.0.1:${gw.mqttPort}`, files.caCertFile), ...login });
    await device.endAsync();
  });

  it('--mqtt-plain: plain MQTT, logged as a warning', { timeout: 90_000 }, async () => {
    const gw = await startGateway(join(dir.path, 'gw-plain'), ['--mqtt-plain']);
    expect(gw.output()).toMatch(/"level":40[^\n]*MQTT without TLS/);
    const device = await connectMqtt({ url: `mqtt://127.0.0.1:${gw.mqttPort}`, ...stackLogin(dir.path, 'smoke-201') });
    await device.endAsync();
  });
});

function stackLogin(dataDir: string, deviceId: string): { username: string; password: string } {
  const creds = DemoCredentials.parse(JSON.parse(readFileSync(demoPaths(dataDir).credentials, 'utf8')));
  const d = creds.devices.find((x) => x.deviceId === deviceId)!;
  return { username: d.mqttUsername!, password: d.mqttPassword! };
}
