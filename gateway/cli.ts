import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError, parseCommandLine } from '../contract/cli.ts';
import { Gateway, SiteConfigError } from './gateway.ts';
import { loadUpstreamConfig } from './upstream/upstream-links.ts';
import { DEFAULT_DURABILITY, DURABILITIES, type Durability } from './store/open-gateway-db.ts';
import { MQTT_PLAIN_PORT, MQTT_TLS_PORT, defaultTlsHosts, mqttTlsFilesIn, provisionMqttTls } from '../contract/mqtt-tls.ts';
import type { MqttTlsOptions } from './mqtt/mqtt-broker.ts';

const HELP = `carewatch gateway --site FILE|DIR [--site ...] --server URL [options]

  --site PATH          site file (YAML/JSON) or a folder of them; repeatable
  --server URL         central server               (CAREWATCH_SERVER_URL, default http://127.0.0.1:8080)
  --deliver http|jetstream  where events go: HTTP to --server, or a durable NATS JetStream stream
                       that the server replicas consume (CAREWATCH_DELIVER, default http;
                       heartbeats and config pulls still use --server; docs/scale-out.md)
  --nats URL           nats://host:4222[,nats://…] for --deliver jetstream (CAREWATCH_NATS_URL)
  --gateway-id ID      this gateway's id as the server's provisioning names it (CAREWATCH_GATEWAY_ID);
                       required: no default, as a wrong id has every event refused (403)
  --token-file FILE    file holding the gateway's server token (or CAREWATCH_GATEWAY_TOKEN)
  --credentials FILE   hashed MQTT credentials      (default DATA_DIR/gateway-credentials.json)
  --data-dir DIR       outbox and rule state        (CAREWATCH_DATA_DIR, default ./data)
  --mqtt-host/-port    embedded broker, MQTT over TLS (CAREWATCH_MQTT_HOST/PORT, default 127.0.0.1:8883)
  --tls-key/--tls-cert its key and certificate (PEM; default DATA_DIR/mqtt-tls-key.pem and
                       mqtt-tls-cert.pem, made at first start when absent, signed by a CA made
                       beside them, DATA_DIR/mqtt-ca.pem: the file devices are given to trust)
  --tls-host NAME      a further name or address devices reach the broker by, for the certificate
                       made at first start (repeatable; loopback and this host's name are in it)
  --mqtt-plain         plain MQTT instead (CAREWATCH_MQTT_PLAIN=1; default port 1883), logged as a
                       warning: logins and alarms cross the network in clear
  --http-host/-port    local alarm page (/alarms), status page and metrics
                       (CAREWATCH_GATEWAY_HTTP_HOST/PORT, default 127.0.0.1:8081)
  --staff-token-file F the local staff token those answer to (CAREWATCH_STAFF_TOKEN_FILE,
                       default DATA_DIR/gateway-staff-token, made 0600 at first start)
  --push-host/-port    platform pushes, own listener (CAREWATCH_PUSH_HOST/PORT, default 127.0.0.1:8082)
  --watch-host/-port   4G-watch TCP listener        (CAREWATCH_WATCH_HOST/PORT, default 127.0.0.1:5093)
  --watch-max-per-address N  identified watches one address may hold (default 50)
  --watch-allow CIDR   addresses watches may connect from (repeatable; e.g. a carrier's private
                       APN pool); default any — the "3G*" protocol carries no credential
  --push-config FILE   platform push config (JSON; CAREWATCH_PUSH_CONFIG); default CTWing + OneNET,
                       tokens from CAREWATCH_PUSH_CTWING_TOKEN / CAREWATCH_PUSH_ONENET_TOKEN;
                       a platform without a token has its pushes refused
  --upstream FILE      receiving centres (SIA DC-09, GB/T 26875.3) the sites report to
                       (YAML/JSON, CAREWATCH_UPSTREAM; docs/upstream.md)
  --durability M       alarms: a commit carrying an alarm is power-safe (fsync), telemetry survives
                       kill -9 only | process: every commit survives kill -9 only | power: fsync
                       every commit   (CAREWATCH_DURABILITY, default alarms)
  --config-pull on|off pull the sites the server manages for this gateway and apply them hot
                       (CAREWATCH_CONFIG_PULL, default on; with it, --site is optional)
  --managed-sites DIR  where pulled sites are kept   (default DATA_DIR/managed-sites)
`;

export async function run(argv: string[]): Promise<number> {
  const env = process.env;
  const parsed = parseCommandLine(argv, {
    site: { type: 'string', multiple: true },
    server: { type: 'string', default: env.CAREWATCH_SERVER_URL ?? 'http://127.0.0.1:8080' },
    deliver: { type: 'string', default: env.CAREWATCH_DELIVER ?? 'http' },
    nats: { type: 'string', default: env.CAREWATCH_NATS_URL },
    'gateway-id': { type: 'string', default: env.CAREWATCH_GATEWAY_ID },
    'token-file': { type: 'string' },
    credentials: { type: 'string' },
    'data-dir': { type: 'string', default: env.CAREWATCH_DATA_DIR ?? 'data' },
    'mqtt-host': { type: 'string', default: env.CAREWATCH_MQTT_HOST ?? '127.0.0.1' },
    'mqtt-port': { type: 'string', default: env.CAREWATCH_MQTT_PORT },
    'mqtt-plain': { type: 'boolean', default: env.CAREWATCH_MQTT_PLAIN === '1' || env.CAREWATCH_MQTT_PLAIN === 'true' },
    'http-host': { type: 'string', default: env.CAREWATCH_GATEWAY_HTTP_HOST ?? '127.0.0.1' },
    'http-port': { type: 'string', default: env.CAREWATCH_GATEWAY_HTTP_PORT ?? '8081' },
    'staff-token-file': { type: 'string', default: env.CAREWATCH_STAFF_TOKEN_FILE },
    'push-host': { type: 'string', default: env.CAREWATCH_PUSH_HOST ?? '127.0.0.1' },
    'push-port': { type: 'string', default: env.CAREWATCH_PUSH_PORT ?? '8082' },
    'watch-host': { type: 'string', default: env.CAREWATCH_WATCH_HOST ?? '127.0.0.1' },
    'watch-port': { type: 'string', default: env.CAREWATCH_WATCH_PORT ?? '5093' },
    'watch-max-per-address': { type: 'string', default: env.CAREWATCH_WATCH_MAX_PER_ADDRESS },
    'watch-allow': { type: 'string', multiple: true },
    'push-config': { type: 'string', default: env.CAREWATCH_PUSH_CONFIG },
    'tls-key': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-host': { type: 'string', multiple: true },
    upstream: { type: 'string', default: env.CAREWATCH_UPSTREAM },
    durability: { type: 'string', default: env.CAREWATCH_DURABILITY ?? DEFAULT_DURABILITY },
    'config-pull': { type: 'string', default: env.CAREWATCH_CONFIG_PULL ?? 'on' },
    'managed-sites': { type: 'string' },
  });
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const { values } = parsed;
  const pull = values['config-pull'];
  if (pull !== 'on' && pull !== 'off') {
    process.stderr.write('carewatch gateway: --config-pull must be "on" or "off"\n');
    return 2;
  }
  if (!values.site?.length && pull === 'off') throw new UsageError('--config-pull off needs --site FILE|DIR');
  const deliverTo = deliveryOf(values.deliver, values.nats);
  const dataDir = resolve(values['data-dir']);
  const gatewayId = values['gateway-id'];
  if (!gatewayId) throw new UsageError('no gateway id: give --gateway-id ID or CAREWATCH_GATEWAY_ID (the id the server\'s provisioning names this gateway by)');
  const token = values['token-file'] ? readFileSync(mustExist(values['token-file'], '--token-file', 'the gateway\'s token for the server'), 'utf8').trim() : env.CAREWATCH_GATEWAY_TOKEN;
  if (!token) {
    process.stderr.write('carewatch gateway: no server token: give --token-file or CAREWATCH_GATEWAY_TOKEN\n');
    return 2;
  }
  if (!DURABILITIES.includes(values.durability as Durability)) {
    throw new UsageError(`--durability must be one of ${DURABILITIES.join(', ')}, got "${values.durability}"`);
  }
  const upstream = values.upstream ? loadUpstreamConfig(values.upstream) : undefined;
  if (upstream && !upstream.ok) {
    process.stderr.write(`carewatch gateway: upstream configuration refused:\n  ${upstream.errors.join('\n  ')}\n`);
    return 1;
  }
  // Optional when the server manages this gateway's sites (their logins come with them), unless named.
  const credentialsFile = values.credentials ?? join(dataDir, 'gateway-credentials.json');
  if (values.credentials !== undefined || pull === 'off') mustExist(credentialsFile, '--credentials', 'the hashed MQTT logins of the devices; `carewatch demo` writes one');
  const gateway = new Gateway({
    gatewayId,
    sites: values.site ?? [],
    ...(pull === 'on' ? { managedSitesDir: resolve(values['managed-sites'] ?? join(dataDir, 'managed-sites')) } : {}),
    serverUrl: values.server.replace(/\/$/, ''),
    ...(deliverTo ? { deliverTo } : {}),
    token,
    dataDir,
    credentialsFile,
    mqtt: {
      host: values['mqtt-host'],
      port: Number(values['mqtt-port'] ?? (values['mqtt-plain'] ? MQTT_PLAIN_PORT : MQTT_TLS_PORT)),
      ...(values['mqtt-plain'] ? {} : { tls: mqttTls(dataDir, values) }),
    },
    http: { host: values['http-host'], port: Number(values['http-port']) },
    ...(values['staff-token-file'] ? { staffTokenFile: resolve(values['staff-token-file']) } : {}),
    pushHttp: { host: values['push-host'], port: Number(values['push-port']) },
    watch: {
      host: values['watch-host'],
      port: Number(values['watch-port']),
      ...(values['watch-max-per-address'] ? { maxConnectionsPerAddress: Number(values['watch-max-per-address']), maxConnections: 100_000 } : {}),
      ...(values['watch-allow']?.length ? { allowFrom: values['watch-allow'] } : {}),
    },
    ...(values['push-config'] ? { push: JSON.parse(readFileSync(values['push-config'], 'utf8')) as unknown } : {}),
    ...(upstream?.ok ? { upstream: upstream.config } : {}),
    durability: values.durability as Durability,
  });
  try {
    await gateway.start();
  } catch (err) {
    if (err instanceof SiteConfigError) {
      process.stderr.write(`carewatch gateway: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  await new Promise<void>((done) => {
    const stop = () => { void gateway.stop().then(done); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

/** `--deliver` and `--nats`: HTTP (undefined), or JetStream with the NATS servers' URLs. */
function deliveryOf(deliver: string, nats: string | undefined): { via: 'jetstream'; natsUrl: string } | undefined {
  if (deliver === 'http') return undefined;
  if (deliver !== 'jetstream') throw new UsageError(`--deliver must be "http" or "jetstream", got "${deliver}"`);
  if (!nats) throw new UsageError('--deliver jetstream needs --nats nats://host:4222 (or CAREWATCH_NATS_URL)');
  if (!nats.split(',').every((u) => /^(nats|tls):\/\/[^\s/]+\/?$/.test(u.trim()))) throw new UsageError(`--nats must be nats://host:port[,nats://…], got "${nats}"`);
  return { via: 'jetstream', natsUrl: nats };
}

/**
 * The broker's TLS files: those named, else the data folder's — made there at first start when
 * absent (the gateway provisioning itself; `carewatch demo` makes them before it starts one).
 */
function mqttTls(dataDir: string, values: { 'tls-key'?: string; 'tls-cert'?: string; 'tls-host'?: string[]; 'mqtt-host': string }): MqttTlsOptions {
  const files = mqttTlsFilesIn(dataDir);
  if (values['tls-key'] || values['tls-cert']) {
    if (!values['tls-key'] || !values['tls-cert']) throw new UsageError('--tls-key and --tls-cert go together');
    return { keyFile: mustExist(values['tls-key'], '--tls-key', 'the MQTT listener\'s TLS key'), certFile: mustExist(values['tls-cert'], '--tls-cert', 'its certificate') };
  }
  const { made } = provisionMqttTls(files, { hosts: defaultTlsHosts([values['mqtt-host'], ...(values['tls-host'] ?? [])]), commonName: hostname() });
  if (made !== 'nothing') process.stderr.write(`carewatch gateway: made the MQTT TLS ${made} in ${dataDir}; devices trust ${files.caCertFile}\n`);
  return { keyFile: files.keyFile, certFile: files.certFile, caFile: files.caCertFile };
}

/** A file the command line names (or defaults to) that is not there: one line, exit 2 (contract/cli.ts). */
function mustExist(path: string, flag: string, what: string): string {
  if (!existsSync(path)) throw new UsageError(`${flag}: ${path} not found (${what})`);
  return path;
}
