import { join } from 'node:path';
import type { DemoCredentials } from '../../contract/index.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { createLogger } from '../../gateway/log.ts';
import { startServer } from '../../server/main.ts';
import { demoPaths, demoPushConfig, provisionDemo, readSiteFile } from '../../simulators/demo/provision.ts';
import { DEMO_SITES_DIR } from '../../simulators/demo/cli.ts';
import { tempDir } from './temp-dir.ts';

export const DEMO_SITE = join(DEMO_SITES_DIR, 'demo.yaml');

export interface Stack {
  serverUrl: string;
  mqttUrl: string;
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
export async function startStack(opts: { sites?: string[]; gatewayOptions?: Record<string, unknown> } = {}): Promise<Stack> {
  const dir = tempDir('carewatch-stack-');
  const paths = demoPaths(dir.path);
  const siteFiles = opts.sites ?? [DEMO_SITE];
  const { creds } = provisionDemo(paths, siteFiles.map(readSiteFile), 'gw-test');
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir.path, 'server'), provisionFile: paths.serverProvisioning, logger: false });
  const gateway = new Gateway({
    gatewayId: 'gw-test',
    sites: siteFiles,
    serverUrl: server.url,
    token: creds.gateways[0]!.token,
    dataDir: join(dir.path, 'gateway'),
    credentialsFile: paths.gatewayCredentials,
    mqtt: { host: '127.0.0.1', port: 0 },
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
    mqttUrl: `mqtt://127.0.0.1:${a.mqtt.port}`,
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
