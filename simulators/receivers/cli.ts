import { intOption, parseCommandLine, UsageError } from '../../contract/index.ts';
import { Dc09Receiver } from './dc09-receiver.ts';
import { Gb26875Centre } from './gb26875-centre.ts';

const HELP = `carewatch sim receiver dc09|gb26875 [options]

  A receiving centre on this machine, for tests and for integrators trying a gateway's
  --upstream configuration (docs/upstream.md). Prints one JSON line when listening and one per
  event received; runs until SIGINT/SIGTERM.

  dc09      SIA DC-09 alarm receiver: ACK / NAK / DUH, AES keys per account
    --port N            TCP port (default 0: any free one)
    --udp-port N        also listen on UDP
    --key ACCOUNT=HEX   AES key of an account (32, 48 or 64 hex digits); repeatable
    --nak-first N       answer NAK to the first N events
    --silent            answer nothing (a hung receiver)
  gb26875   GB/T 26875.3 fire remote-monitoring centre: confirm / deny, time sync
    --port N            TCP port (default 0)
    --deny-first N      deny the first N event frames
    --sync-time-ms MS   on each new connection, set the device's clock to MS (epoch ms; test of time sync)
  common: --host H (default 127.0.0.1)
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, {
    port: { type: 'string' }, 'udp-port': { type: 'string' }, key: { type: 'string', multiple: true }, 'nak-first': { type: 'string' },
    silent: { type: 'boolean' }, 'deny-first': { type: 'string' }, 'sync-time-ms': { type: 'string' }, host: { type: 'string', default: '127.0.0.1' },
  }, true);
  if (parsed === 'help') { process.stdout.write(HELP); return 0; }
  const { values, positionals } = parsed;
  const kind = positionals[0];
  const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const port = intOption('port', values.port, 0, 65535) ?? 0;
  let stop: () => Promise<void>;
  if (kind === 'dc09') {
    const keys: Record<string, string> = {};
    for (const k of values.key ?? []) {
      const [account, hex] = k.split('=');
      if (!account || !hex) throw new UsageError(`--key takes ACCOUNT=HEX, got "${k}"`);
      keys[account] = hex;
    }
    const udpPort = intOption('udp-port', values['udp-port'], 0, 65535);
    const r = new Dc09Receiver({
      host: values.host, tcpPort: port, keys, silent: values.silent ?? false,
      nakFirst: intOption('nak-first', values['nak-first'], 0, 1_000_000) ?? 0, ...(udpPort !== undefined ? { udpPort } : {}),
    });
    r.onEvent((m) => print({ received: m }));
    print({ listening: await r.start() });
    stop = () => r.stop();
  } else if (kind === 'gb26875') {
    const c = new Gb26875Centre({ host: values.host, port, denyFirst: intOption('deny-first', values['deny-first'], 0, 1_000_000) ?? 0 });
    c.onFrame((f) => print({ received: f }));
    print({ listening: { tcp: await c.start() } });
    const syncTo = intOption('sync-time-ms', values['sync-time-ms'], 0, Number.MAX_SAFE_INTEGER);
    if (syncTo !== undefined) {
      let known = 0;
      setInterval(() => { if (c.connections > known) c.syncTime(syncTo); known = c.connections; }, 50).unref();
    }
    stop = () => c.stop();
  } else {
    throw new UsageError(`receiver takes dc09 or gb26875, got "${kind ?? ''}"`);
  }
  await new Promise<void>((done) => {
    const end = () => { void stop().then(done); };
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
  });
  return 0;
}
