import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServerProvisioning } from '../contract/index.ts';
import { LISTEN_BACKLOG } from '../contract/connection-gate.ts';
import { buildServer } from './app.ts';
import { formatIssues } from './plugins/external/zod-compiler.ts';

export interface StartServerOptions {
  /** Default `CAREWATCH_HTTP_HOST`, else 127.0.0.1. */
  host?: string;
  /** Default `CAREWATCH_HTTP_PORT`, else 8080; 0 picks a free port. */
  port?: number;
  /** Default `CAREWATCH_DATA_DIR`, else `./data`. */
  dataDir?: string;
  /** Default `CAREWATCH_PROVISION_FILE`, else `{dataDir}/provisioning.json`. */
  provisionFile?: string;
  gatewaySilenceSec?: number;
  /** The server store: `postgres://…`, or `embedded` (default `CAREWATCH_STORE`, else embedded). */
  store?: string;
  /** InfluxDB 1.x for the history; default `CAREWATCH_INFLUX_URL`, else the embedded `{dataDir}/history.db`. */
  influxUrl?: string;
  /** The replicas' bus (`nats://…`); default `CAREWATCH_BUS`, else none (one replica). */
  busUrl?: string;
  /** Take gateway events from NATS JetStream too (needs the bus); default `CAREWATCH_JETSTREAM_INGEST=on`. */
  jetstreamIngest?: boolean;
  /** Fastify logger option; default JSON lines at `CAREWATCH_LOG_LEVEL` (info). */
  logger?: boolean | object;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  close(): Promise<void>;
}

/** A provisioning file that cannot be read or is refused (the command says so in one message, exit 1). */
export class ProvisioningError extends Error {
  readonly code = 'PROVISIONING';
}

/** Reads and validates the provisioning file, listing every problem as `path: message`. */
export function loadProvisioning(file: string): ServerProvisioning {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ProvisioningError(`cannot read provisioning file ${file}: ${(error as Error).message}`);
  }
  const parsed = ServerProvisioning.safeParse(raw);
  if (!parsed.success) throw new ProvisioningError(`invalid provisioning file ${file}: ${formatIssues('file', parsed.error)}`);
  return parsed.data;
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const env = process.env;
  const host = options.host ?? env.CAREWATCH_HTTP_HOST ?? '127.0.0.1';
  const port = options.port ?? portFromEnv(env.CAREWATCH_HTTP_PORT) ?? 8080;
  const dataDir = options.dataDir ?? env.CAREWATCH_DATA_DIR ?? './data';
  const provisionFile = options.provisionFile ?? env.CAREWATCH_PROVISION_FILE ?? join(dataDir, 'provisioning.json');
  const app = await buildServer({
    dataDir,
    provisioning: loadProvisioning(provisionFile),
    logger: options.logger ?? { level: env.CAREWATCH_LOG_LEVEL ?? 'info' },
    // Secrets from the environment (docs/provisioning.md): the data key, the first administrator's password.
    dataKey: { env: env.CAREWATCH_DATA_KEY, file: env.CAREWATCH_DATA_KEY_FILE },
    adminPassword: env.CAREWATCH_ADMIN_PASSWORD,
    store: options.store ?? (env.CAREWATCH_STORE || undefined),
    influxUrl: options.influxUrl ?? (env.CAREWATCH_INFLUX_URL || undefined),
    busUrl: options.busUrl ?? (env.CAREWATCH_BUS || undefined),
    jetstreamIngest: options.jetstreamIngest ?? env.CAREWATCH_JETSTREAM_INGEST === 'on',
    ...(options.gatewaySilenceSec !== undefined ? { gatewaySilenceSec: options.gatewaySilenceSec } : {}),
    escalation: { file: env.CAREWATCH_ESCALATION_FILE || undefined, publicUrl: env.CAREWATCH_PUBLIC_URL || undefined },
  });
  try {
    await app.listen({ host, port, backlog: LISTEN_BACKLOG });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}`, close: () => app.close() };
}

function portFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`CAREWATCH_HTTP_PORT must be a port number, got ${value}`);
  return port;
}

// `node --import ./ts-loader.mjs server/main.ts`: the server alone, configured by environment, stopped by SIGINT/SIGTERM.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startServer();
  console.log(`carewatch server listening on ${server.url}`);
  const stop = (): void => {
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
