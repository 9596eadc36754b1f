import { join } from 'node:path';
import type { DemoCredentials } from '../../contract/index.ts';
import { Gateway, type GatewayOptions } from '../../gateway/gateway.ts';
import { createLogger } from '../../gateway/log.ts';
import { startServer } from '../../server/main.ts';
import { demoPaths, demoPushConfig, provisionDemo, readSiteFile } from '../../simulators/demo/provision.ts';
import { DEMO_SITES_DIR } from '../../simulators/demo/cli.ts';
import { tempDir } from './temp-dir.ts';
import { type BrokerAddress, brokerAt } from '../../simulators/devices/mqtt-device.ts';

export const DEMO_SITE = join(DEMO_SITES_DIR, 'demo.yaml');

export interface Stack {
  serverUrl: string;
  /** The gateway's broker (mqtts://, the CA the provisioning made): `connectMqtt({ ...stack.mqttBroker, ...login })`. */
  mqttBroker: BrokerAddress;
  gatewayHttpUrl: string;
  /** Platform pushes' own listener. */
  pushUrl: string;
  watchPort: number;
  creds: DemoCredentials;
  gateway: Gateway;
  dataDir: string;
  token(username: string): string;
  mqttLogin(deviceId: string, siteId?: string): { username: string; password: string };
  stop(): Promise<void>;
}

/**
 * The real server and a real gateway in this process, on free loopback ports, with the demo's
 * provisioning in a temp folder: real TCP, real HTTP, real SQLite.
 */
export async function startStack(opts: { sites?: string[]; gatewayOptions?: Record<string, unknown>; mqttPlain?: boolean } = {}): Promise<Stack> {
  const dir = tempDir('carewatch-stack-');
  const paths = demoPaths(dir.path);
  const siteFiles = opts.sites ?? [DEMO_SITE];
  const { creds } = provisionDemo(paths, siteFiles.map(readSiteFile), 'gw-test');
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir.path, 'server'), provisionFile: paths.serverProvisioning, logger: false });
  // MQTT over TLS with the provisioning's certificate, as the gateway's CLI runs it; a test may ask for plain MQTT.
  const mqtt: GatewayOptions['mqtt'] = opts.mqttPlain
    ? { host: '127.0.0.1', port: 0 }
    : { host: '127.0.0.1', port: 0, tls: { keyFile: paths.mqttTls.keyFile, certFile: paths.mqttTls.certFile } };
  const gateway = new Gateway({
    gatewayId: 'gw-test',
    sites: siteFiles,
    serverUrl: server.url,
    token: creds.gateways[0]!.token,
    dataDir: join(dir.path, 'gateway'),
    credentialsFile: paths.gatewayCredentials,
    mqtt,
    http: { host: '127.0.0.1', port: 0 },
    watch: { host: '127.0.0.1', port: 0 },
    pushHttp: { host: '127.0.0.1', port: 0 },
    push: demoPushConfig(creds),
    log: createLogger('gateway-test', 'silent'),
    ...opts.gatewayOptions,
  });
  await gateway.start();
  const a = gateway.addresses!;
  return {
    serverUrl: server.url,
    mqttBroker: brokerAt(`${opts.mqttPlain ? 'mqtt' : 'mqtts'}://127.0.0.1:${a.mqtt.port}`, paths.mqttTls.caCertFile),
    gatewayHttpUrl: `http://127.0.0.1:${a.http.port}`,
    pushUrl: `http://127.0.0.1:${a.push.port}`,
    watchPort: a.watch.port,
    creds,
    gateway,
    dataDir: dir.path,
    token: (username) => creds.users.find((u) => u.username === username)!.token,
    mqttLogin: (deviceId, siteId) => {
      const d = creds.devices.find((x) => x.deviceId === deviceId && (!siteId || x.siteId === siteId));
      if (!d?.mqttUsername || !d.mqttPassword) throw new Error(`no MQTT login for ${deviceId}`);
      return { username: d.mqttUsername, password: d.mqttPassword };
    },
    stop: async () => {
      await gateway.stop();
      await server.close();
      dir.remove();
    },
  };
}
