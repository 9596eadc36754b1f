import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, UsageError, intOption, parseCommandLine } from '../contract/cli.ts';
import { startServer } from './main.ts';

const HELP = `carewatch server [options]

  --host HOST          listen address   (CAREWATCH_HTTP_HOST, default 127.0.0.1)
  --port PORT          listen port      (CAREWATCH_HTTP_PORT, default 8080)
  --data-dir DIR       embedded store   (CAREWATCH_DATA_DIR, default ./data; the server uses DIR as given)
  --provision FILE     users and gateways with hashed tokens (default DATA_DIR/provisioning.json)
  --store STORE        server store: embedded (DATA_DIR/server.db) or postgres://user@host:port/db
                       (CAREWATCH_STORE, default embedded; several replicas share one database)
  --bus URL            nats://host:4222 — the replicas' bus and JetStream event delivery
                       (CAREWATCH_BUS; default none: one replica; docs/scale-out.md)
  --jetstream-ingest   also take the events gateways deliver into JetStream (gateway
                       --deliver jetstream); needs --bus (CAREWATCH_JETSTREAM_INGEST=on)
`;

export async function run(argv: string[]): Promise<number> {
  const env = process.env;
  const parsed = parseCommandLine(argv, {
    host: { type: 'string', default: env.CAREWATCH_HTTP_HOST ?? '127.0.0.1' },
    port: { type: 'string', default: env.CAREWATCH_HTTP_PORT ?? '8080' },
    'data-dir': { type: 'string', default: env.CAREWATCH_DATA_DIR ?? 'data' },
    provision: { type: 'string' },
    store: { type: 'string', default: env.CAREWATCH_STORE ?? '' },
    bus: { type: 'string', default: env.CAREWATCH_BUS ?? '' },
    'jetstream-ingest': { type: 'boolean', default: env.CAREWATCH_JETSTREAM_INGEST === 'on' },
  });
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const { values } = parsed;
  const jetstreamIngest = values['jetstream-ingest'];
  if (jetstreamIngest && !values.bus) throw new UsageError('--jetstream-ingest needs --bus nats://host:4222 (the NATS servers the gateways deliver to)');
  const dataDir = resolve(values['data-dir']);
  const provisionFile = values.provision ?? env.CAREWATCH_PROVISION_FILE ?? join(dataDir, 'provisioning.json');
  // A missing file is a usage mistake (one line, exit 2), as the gateway's are; a refused one is configuration (exit 1).
  if (!existsSync(provisionFile)) throw new UsageError(`no provisioning file ${provisionFile} (--provision FILE; \`carewatch demo\` writes one, docs/provisioning.md)`);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ host: values.host, port: intOption('port', values.port, 0, 65535) ?? 8080, dataDir, provisionFile, store: values.store, busUrl: values.bus || undefined, jetstreamIngest });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'DATA_KEY' || code === 'PROVISIONING') throw new ConfigError((error as Error).message);
    throw error;
  }
  process.stdout.write(`carewatch server listening on ${server.url}\n`);
  await new Promise<void>((done) => {
    const stop = () => { void server.close().then(done); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
