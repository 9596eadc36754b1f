import { parseCommandLine } from '../../contract/cli.ts';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoPaths, provisionDemo, readSiteFile, writeSecretsFile } from './provision.ts';
import { provisionThroughApi } from './provision-via-api.ts';
import { startQuietTraffic } from './quiet-traffic.ts';
import { brokerAt } from '../devices/mqtt-device.ts';
import { MQTT_TLS_PORT } from '../../contract/mqtt-tls.ts';
import { SERVICE_NODE_FLAGS } from '../stack/node-command.ts';
import { gatewayStaffHeaders } from '../stack/process-stack.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
export const DEMO_SITES_DIR = join(HERE, 'sites');

/** The bundled demo's site files: the care home `demo` and the home sites under `homes/`. */
export function demoSiteFiles(): string[] {
  const homes = join(DEMO_SITES_DIR, 'homes');
  const homeFiles = existsSync(homes) ? readdirSync(homes).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(homes, f)) : [];
  return [join(DEMO_SITES_DIR, 'demo.yaml'), ...homeFiles];
}

/**
 * `npm start`: the central server and one gateway with the bundled sites, as two real processes
 * that meet only over HTTP, with embedded storage under ./data.
 */
const HELP = `carewatch demo [options]   (npm start)

The central server and one gateway with the bundled sites, as two real processes, data under --data-dir.
  --data-dir DIR            default ./data (CAREWATCH_DATA_DIR)
  --server-port N           default 8080 (CAREWATCH_HTTP_PORT)
  --mqtt-port N             MQTT over TLS, default 8883 (CAREWATCH_MQTT_PORT)
  --gateway-http-port N     default 8081 (CAREWATCH_GATEWAY_HTTP_PORT)
  --watch-port N            default 5093 (CAREWATCH_WATCH_PORT)
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, {
      'data-dir': { type: 'string', default: process.env.CAREWATCH_DATA_DIR ?? 'data' },
      'server-port': { type: 'string', default: process.env.CAREWATCH_HTTP_PORT ?? '8080' },
      'mqtt-port': { type: 'string', default: process.env.CAREWATCH_MQTT_PORT ?? String(MQTT_TLS_PORT) },
      'gateway-http-port': { type: 'string', default: process.env.CAREWATCH_GATEWAY_HTTP_PORT ?? '8081' },
      'push-port': { type: 'string', default: process.env.CAREWATCH_PUSH_PORT ?? '8082' },
      'watch-port': { type: 'string', default: process.env.CAREWATCH_WATCH_PORT ?? '5093' },
  });
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const { values } = parsed;
  const dataDir = resolve(values['data-dir']);
  const paths = demoPaths(dataDir);
  const siteFiles = demoSiteFiles();
  const sites = siteFiles.map(readSiteFile);
  const provisioned = provisionDemo(paths, sites, 'gw-demo');
  let creds = provisioned.creds;
  const { created } = provisioned;
  const serverUrl = `http://127.0.0.1:${values['server-port']}`;
  const children: ChildProcess[] = [];
  const stopAll = () => { for (const c of children) if (c.exitCode === null) c.kill('SIGTERM'); };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);

  try {
    await startBoth();
  } catch (err) {
    process.stderr.write(`carewatch demo: ${(err as Error).message}\n`);
    stopAll();
    return 1;
  }

  async function startBoth(): Promise<void> {
  children.push(start('server', ['server', '--data-dir', join(dataDir, 'server'), '--provision', paths.serverProvisioning, '--port', values['server-port']]));
  await waitHealthy(`${serverUrl}/healthz`, 30_000, children[0]!);
  // The sites go in through the admin API, as a real installation's do; the gateway pulls them.
  const viaApi = await provisionThroughApi({
    serverUrl, adminPasswordFile: join(dataDir, 'server', 'initial-admin-password'), regionsFile: join(HERE, 'regions.yaml'), gatewayId: 'gw-demo', sites,
  }, creds);
  creds = viaApi.creds;
  if (viaApi.changed) writeSecretsFile(paths.credentials, creds);
  children.push(start('gateway', [
    'gateway', '--server', serverUrl, '--gateway-id', 'gw-demo',
    '--token-file', paths.gatewayToken, '--credentials', paths.gatewayCredentials, '--data-dir', join(dataDir, 'gateway'),
    '--tls-key', paths.mqttTls.keyFile, '--tls-cert', paths.mqttTls.certFile,
    '--mqtt-port', values['mqtt-port'], '--http-port', values['gateway-http-port'], '--watch-port', values['watch-port'],
    '--push-port', values['push-port'], '--push-config', paths.gatewayPushConfig,
  ]));
  await waitHealthy(`http://127.0.0.1:${values['gateway-http-port']}/healthz`, 30_000, children[1]!);
  await waitForSites(`http://127.0.0.1:${values['gateway-http-port']}/status.json`, gatewayStaffHeaders(join(dataDir, 'gateway')), sites.length, 30_000);
  }

  // The devices check in as real ones do, so supervision sees them alive.
  const stopTraffic = await startQuietTraffic({
    sites,
    creds,
    mqtt: brokerAt(`mqtts://127.0.0.1:${values['mqtt-port']}`, paths.mqttTls.caCertFile),
    watchHost: '127.0.0.1',
    watchPort: Number(values['watch-port']),
    everyMs: 5 * 60_000,
  });
  process.once('SIGINT', () => void stopTraffic());
  process.once('SIGTERM', () => void stopTraffic());

  const nurse = creds.users.find((u) => u.username === 'night-nurse')!;
  process.stdout.write([
    '',
    'CareWatch demo is running.',
    `  console (night staff):  ${serverUrl}/#token=${nurse.token}`,
    `  gateway local alarms:   http://127.0.0.1:${values['gateway-http-port']}/alarms (staff token: ${join(dataDir, 'gateway', 'gateway-staff-token')})`,
    `  gateway status page:    http://127.0.0.1:${values['gateway-http-port']}/ (the same token)`,
    `  MQTT broker:            mqtts://127.0.0.1:${values['mqtt-port']} (devices trust the CA ${paths.mqttTls.caCertFile})`,
    `  4G-watch listener:      127.0.0.1:${values['watch-port']}`,
    `  platform pushes:        POST http://127.0.0.1:${values['push-port']}/push/{ctwing|onenet} (tokens in the credentials file)`,
    `  credentials:            ${paths.credentials}${created ? ' (new, mode 0600)' : ''}`,
    '',
    'Raise a smoke alarm in room 203, then clear it:',
    '  npx carewatch sim publish --device smoke-203 --set smoke=true',
    '  npx carewatch sim publish --device smoke-203 --set smoke=false',
    '',
    'Ctrl-C stops both processes.',
    '',
  ].join('\n'));
  const codes = await Promise.all(children.map((c) => new Promise<number>((done) => c.once('exit', (code) => { stopAll(); done(code ?? 0); }))));
  return Math.max(...codes);
}

function start(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, join(ROOT, 'carewatch.mjs'), ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CAREWATCH_PARENT_PID: String(process.pid) },
  });
  child.on('error', (err) => process.stderr.write(`${name}: ${err.message}\n`));
  return child;
}

/** Waits for `url` to answer 200 from the child just started (not from a leftover on the same port). */
async function waitHealthy(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with code ${child.exitCode} before it was up`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch { /* not up yet */ }
    if (Date.now() > until) throw new Error(`${url} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Waits until the gateway has pulled and applied `count` sites from the server. */
async function waitForSites(url: string, headers: Record<string, string>, count: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
      if (res.ok && ((await res.json()) as { sites: number }).sites >= count) return;
    } catch { /* not yet */ }
    if (Date.now() > until) throw new Error(`the gateway has not pulled its ${count} sites from the server after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
