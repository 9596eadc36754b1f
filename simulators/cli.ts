import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MQTT_TLS_PORT } from '../contract/mqtt-tls.ts';
import { type DeviceFields, DemoCredentials, FIELD_NAMES, type FieldName, type SiteFile, UsageError, parseCommandLine } from '../contract/index.ts';
import { type BrokerAddress, NativeDeviceSim, Z2mBridgeSim, brokerAt, connectMqtt } from './devices/mqtt-device.ts';
import { demoSiteFiles } from './demo/cli.ts';
import { readSiteFile } from './demo/provision.ts';
import { HOME_ACTIONS, playHome } from './home/play-home.ts';
import { LOAD_HELP } from './load/cli.ts';
import { SCENARIO_HELP, runScenarioCommand } from './scenario/cli.ts';

const HELP = `carewatch sim <command> [options]

  publish --device ID --set FIELD=VALUE [--set ...] [--site ID]
      publish one state of a demo device with its own credentials, over its own transport
      (native MQTT, or as the site's Zigbee2MQTT bridge). VALUE is JSON or a bare word:
      --set smoke=true   --set action=emergency   --set heart_rate=48
  availability --device ID online|offline
  home --site HOME_ID --play ACTION
      play a demo home over its real transports: ACTION is one of
      lk sos fall (the 4G watch over TCP), smoke smoke-clear (NB-IoT detector via a CTWing push),
      button door-open door-close radar-fall radar-presence (its Zigbee2MQTT hub)

  receiver dc09|gb26875 [--port N] ...
      a receiving centre on this machine (SIA DC-09 receiver, GB/T 26875.3 centre); see receiver --help

${SCENARIO_HELP}
${LOAD_HELP}
  common: --credentials FILE (default DATA_DIR/demo-credentials.json), --mqtt URL (default
      mqtts://127.0.0.1:8883, CAREWATCH_MQTT_URL), --mqtt-ca FILE (the CA the gateway's certificate
      is signed by; default mqtt-ca.pem beside the credentials, where the demo's provisioning writes it)
`;

export const SIM_COMMANDS = ['publish', 'availability', 'home', 'scenario', 'receiver', 'load'] as const;
const defaultMqtt = () => process.env.CAREWATCH_MQTT_URL ?? `mqtts://127.0.0.1:${process.env.CAREWATCH_MQTT_PORT ?? MQTT_TLS_PORT}`;

/**
 * The broker the simulators connect to: `--mqtt URL`, trusting `--mqtt-ca FILE` (default: the
 * provisioning's CA beside the credentials file) when the URL is mqtts://.
 */
export function simBroker(url: string, caFile: string | undefined, credentialsPath: string): BrokerAddress {
  const ca = caFile ?? process.env.CAREWATCH_MQTT_CA ?? join(dirname(credentialsPath), 'mqtt-ca.pem');
  if (url.startsWith('mqtts:') && !existsSync(ca)) throw new UsageError(`${url} is MQTT over TLS and the CA file ${ca} is not there (the demo writes it; give --mqtt-ca FILE)`);
  return brokerAt(url, ca);
}

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'receiver') return (await import('./receivers/cli.ts')).run(rest);
  if (command === undefined) throw new UsageError(`name what to do (commands: ${SIM_COMMANDS.join(', ')})`);
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (!SIM_COMMANDS.includes(command as (typeof SIM_COMMANDS)[number])) throw new UsageError(`unknown command "${command}" (commands: ${SIM_COMMANDS.join(', ')})`);
  if (command === 'scenario') return runScenarioCommand(rest, { mqtt: defaultMqtt(), broker: simBroker });
  if (command === 'load') return (await import('./load/cli.ts')).runLoadCommand(rest);
  const parsed = parseCommandLine(rest, {
    device: { type: 'string' },
    site: { type: 'string' },
    set: { type: 'string', multiple: true },
    credentials: { type: 'string' },
    mqtt: { type: 'string', default: defaultMqtt() },
    'mqtt-ca': { type: 'string' },
    play: { type: 'string' },
  }, true);
  if (parsed === 'help') { process.stdout.write(HELP); return 0; }
  const { values, positionals } = parsed;
  const credsPath = values.credentials ?? defaultCredentialsPath();
  const broker = simBroker(values.mqtt!, values['mqtt-ca'], credsPath);
  if (command === 'home') return playHomeCommand(values.site, values.play, broker, credsPath);
  if (!values.device) throw new UsageError(`${command} needs --device ID`);
  const creds = DemoCredentials.parse(JSON.parse(readFileSync(credsPath, 'utf8')));
  const device = creds.devices.find((d) => d.deviceId === values.device && (!values.site || d.siteId === values.site));
  if (!device) {
    process.stderr.write(`sim: no device "${values.device}"${values.site ? ` in site ${values.site}` : ''} in ${credsPath}\n`);
    return 2;
  }
  if (command === 'availability') {
    const state = positionals[0];
    if (state !== 'online' && state !== 'offline') { process.stderr.write('sim: availability takes online or offline\n'); return 2; }
    if (device.transport !== 'mqtt') { process.stderr.write('sim: availability is for native MQTT devices\n'); return 2; }
    const client = await connectMqtt({ ...broker, username: device.mqttUsername!, password: device.mqttPassword! });
    await new NativeDeviceSim(client, device.siteId, device.deviceId).availability(state === 'online');
    await client.endAsync();
    return 0;
  }
  const fields = parseSets(values.set ?? []);
  if (typeof fields === 'string') { process.stderr.write(`sim: ${fields}\n`); return 2; }
  if (device.transport === 'mqtt') {
    const client = await connectMqtt({ ...broker, username: device.mqttUsername!, password: device.mqttPassword! });
    await new NativeDeviceSim(client, device.siteId, device.deviceId).publish(fields, { ts: Date.now() });
    await client.endAsync();
  } else if (device.transport === 'zigbee2mqtt') {
    const bridge = creds.bridges.find((b) => b.siteId === device.siteId);
    if (!bridge) { process.stderr.write(`sim: site ${device.siteId} has no bridge credentials\n`); return 2; }
    const site = demoSite(device.siteId);
    const client = await connectMqtt({ ...broker, username: bridge.mqttUsername, password: bridge.mqttPassword });
    await new Z2mBridgeSim(client, site?.bridges.find((b) => b.name === bridge.name)?.baseTopic).publish(device.friendlyName!, device.profile, fields);
    await client.endAsync();
  } else {
    process.stderr.write(`sim publish: transport ${device.transport} is played by its own sim command (see --help)\n`);
    return 2;
  }
  process.stdout.write(`published ${JSON.stringify(fields)} as ${device.siteId}/${device.deviceId} over ${device.transport}\n`);
  return 0;
}

function parseSets(sets: string[]): DeviceFields | string {
  const out: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) return `--set takes FIELD=VALUE, got "${s}"`;
    const key = s.slice(0, eq);
    if (!FIELD_NAMES.includes(key as FieldName)) return `unknown field "${key}" (fields: ${FIELD_NAMES.join(', ')})`;
    const raw = s.slice(eq + 1);
    try { out[key] = JSON.parse(raw); } catch { out[key] = raw; }
  }
  return out as DeviceFields;
}

function defaultCredentialsPath(): string {
  return join(resolve(process.env.CAREWATCH_DATA_DIR ?? 'data'), 'demo-credentials.json');
}

function demoSite(siteId: string): SiteFile | undefined {
  return demoSiteFiles().map(readSiteFile).find((s) => s.site.id === siteId);
}

async function playHomeCommand(siteId: string | undefined, play: string | undefined, mqtt: BrokerAddress, credsPath: string): Promise<number> {
  const action = HOME_ACTIONS.find((a) => a === play);
  const site = siteId ? demoSite(siteId) : undefined;
  if (!site || site.site.kind !== 'home' || !action) {
    process.stderr.write(`sim home: --site takes a demo home id (home-0001 …) and --play one of ${HOME_ACTIONS.join(', ')}\n`);
    return 2;
  }
  const creds = DemoCredentials.parse(JSON.parse(readFileSync(credsPath, 'utf8')));
  const env = process.env;
  const done = await playHome(site, creds, action, {
    mqtt,
    watchHost: env.CAREWATCH_WATCH_HOST ?? '127.0.0.1',
    watchPort: Number(env.CAREWATCH_WATCH_PORT ?? 5093),
    pushUrl: `http://127.0.0.1:${env.CAREWATCH_PUSH_PORT ?? '8082'}`,
  });
  process.stdout.write(`${done}\n`);
  return 0;
}
