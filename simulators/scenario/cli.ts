import type { BrokerAddress } from '../devices/mqtt-device.ts';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DemoCredentials, type ScenarioObservation, UsageError, intOption, parseCommandLine } from '../../contract/index.ts';
import { checkExpectations, describe } from './check-expectations.ts';
import { type LoadedScenario, clockOf, loadScenario } from './load-scenario.ts';
import { type SocatPair, startSocatPair } from '../stack/socat.ts';
import { runReal } from './run-real.ts';
import { type RunResult, runVirtual } from './run-virtual.ts';

export const SCENARIO_HELP = `  scenario FILE [--speed N | --virtual] [--check]
      play a scenario file (YAML; simulators/scenarios/ has the shipped ones) and print what
      reaches the server as it comes:
        (default)   real time, over the real transports, against the running demo or gateway
        --speed N   the same, N times faster (the story's gaps and outages shrink; the product's
                    own timers do not, so use --virtual for stories that wait on them)
        --virtual   virtual time through the gateway's own ingest, rules and outbox in a child
                    process: a whole day in seconds, no running processes needed
        --check     then one PASS/FAIL line per expectation; exit status 1 if any fails
      real runs: --server URL (default http://127.0.0.1:8080), --user NAME (default the first
      admin in the credentials), --watch HOST:PORT (default 127.0.0.1:5093), --push-url URL
      (the gateway's push listener, default http://127.0.0.1:8082), --pty GATEWAY_PATH=SIM_PATH for
      serial sites, or --socat to make each serial port of the scenario's sites a socat pty pair
      (the gateway's end at the site file's path, the simulator's at PATH.sim; RFLink lines and
      GB/T 26875.3 frames are written into it, and socat is stopped after); platform pushes carry the demo's tokens from the credentials, or
      CAREWATCH_PUSH_CTWING_TOKEN / CAREWATCH_PUSH_ONENET_TOKEN when set
`;

export interface ScenarioCommon {
  credentials?: string | undefined;
  mqtt: string;
  /** The broker at a URL, trusting a CA file (or the one beside the credentials). */
  broker: (url: string, caFile: string | undefined, credentialsPath: string) => BrokerAddress;
}

export async function runScenarioCommand(argv: string[], common: ScenarioCommon): Promise<number> {
  const parsed = parseCommandLine(argv, {
    speed: { type: 'string' }, virtual: { type: 'boolean' }, check: { type: 'boolean' },
    server: { type: 'string' }, user: { type: 'string' }, watch: { type: 'string' }, 'push-url': { type: 'string' },
    pty: { type: 'string', multiple: true }, socat: { type: 'boolean' }, credentials: { type: 'string' }, mqtt: { type: 'string' }, 'mqtt-ca': { type: 'string' },
  }, true);
  if (parsed === 'help') { process.stdout.write(`carewatch sim\n${SCENARIO_HELP}`); return 0; }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('scenario takes one FILE');
  if (values.virtual && values.speed) throw new UsageError('--speed and --virtual exclude each other');
  const speed = intOption('speed', values.speed, 1, 100_000) ?? 1;
  const s = loadScenario(positionals[0]!);
  const mode = values.virtual ? 'virtual time' : speed === 1 ? 'real time' : `×${speed}`;
  process.stdout.write(`scenario "${s.file.name}" (${s.sites.map((x) => x.site.id).join(', ')}), ${clockOf(s, s.from)} → ${clockOf(s, s.to)}, ${mode}\n`);
  const print = (o: ScenarioObservation) => process.stdout.write(`${clockOf(s, o.at)}  ${describe(o)}\n`);
  let result: RunResult;
  if (values.virtual) {
    result = await runVirtual(s, (line) => {
      if (line.type === 'delivered') return; // printed below, in order, with the others
      if (line.type === 'rejected') process.stdout.write(`${clockOf(s, line.at)}  refused ${line.transport}: ${line.reason}: ${line.detail}\n`);
    });
    for (const o of result.observations) print(o);
    process.stdout.write(`(${result.summary.readings} readings through the rules; ${result.summary.undelivered} events left undelivered)\n`);
  } else {
    const ep = realEndpoints(s, values, common);
    const pairs = values.socat ? await socatPairs(s, ep.serialEnds) : [];
    try {
      result = await runReal(s, ep, {
        speed,
        onObservation: print,
        onNote: (n) => process.stdout.write(`note: ${n}\n`),
        settleMs: 2000,
      });
    } finally {
      for (const p of pairs) await p.stop();
    }
  }
  if (!values.check) return 0;
  const results = checkExpectations(s, result.observations, result.reachedAt);
  for (const r of results) process.stdout.write(`${r.ok ? 'PASS' : 'FAIL'}  ${r.expectation} — ${r.detail}\n`);
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`${results.length - failed} of ${results.length} expectations met\n`);
  return failed > 0 ? 1 : 0;
}

/** A socat pty pair for every serial port of the scenario's sites that has no --pty end given. */
async function socatPairs(s: LoadedScenario, serialEnds: Record<string, string>): Promise<SocatPair[]> {
  const pairs: SocatPair[] = [];
  for (const port of s.sites.flatMap((site) => site.serial)) {
    if (serialEnds[port.path]) continue;
    const pair = await startSocatPair(port.path, `${port.path}.sim`);
    pairs.push(pair);
    serialEnds[port.path] = pair.device;
    process.stdout.write(`serial ${port.framing}: pty ${port.path} (gateway) ⇄ ${pair.device} (simulator), socat pid ${pair.pid}\n`);
  }
  return pairs;
}

function realEndpoints(s: LoadedScenario, values: Record<string, unknown>, common: ScenarioCommon) {
  const credsPath = (values.credentials as string | undefined) ?? common.credentials ?? join(resolve(process.env.CAREWATCH_DATA_DIR ?? 'data'), 'demo-credentials.json');
  let creds: DemoCredentials;
  try {
    creds = DemoCredentials.parse(JSON.parse(readFileSync(credsPath, 'utf8')));
  } catch (err) {
    throw new UsageError(`cannot read the credentials ${credsPath} (start the demo first, or give --credentials): ${(err as Error).message.split('\n')[0]}`);
  }
  const user = values.user ? creds.users.find((u) => u.username === values.user) : creds.users.find((u) => u.role === 'admin') ?? creds.users[0];
  if (!user) throw new UsageError(`no user "${String(values.user)}" in ${credsPath}`);
  const [watchHost, watchPort] = String(values.watch ?? `127.0.0.1:${process.env.CAREWATCH_WATCH_PORT ?? 5093}`).split(':');
  const serialEnds: Record<string, string> = {};
  for (const p of (values.pty as string[] | undefined) ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--pty takes GATEWAY_PATH=SIM_PATH, got "${p}"`);
    serialEnds[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const env = process.env;
  // The demo's push tokens (its --push-config), unless the environment names others.
  const platformSecrets: Record<string, string> = Object.fromEntries((creds.platforms ?? []).map((p) => [p.platform, p.token]));
  if (env.CAREWATCH_PUSH_CTWING_TOKEN) platformSecrets.ctwing = env.CAREWATCH_PUSH_CTWING_TOKEN;
  if (env.CAREWATCH_PUSH_ONENET_TOKEN) platformSecrets.onenet = env.CAREWATCH_PUSH_ONENET_TOKEN;
  void s;
  return {
    serverUrl: String(values.server ?? `http://127.0.0.1:${env.CAREWATCH_SERVER_PORT ?? 8080}`),
    token: user.token,
    mqtt: common.broker(String(values.mqtt ?? common.mqtt), values['mqtt-ca'] as string | undefined, credsPath),
    watchHost: watchHost ?? '127.0.0.1',
    watchPort: Number(watchPort ?? 5093),
    pushUrl: String(values['push-url'] ?? `http://127.0.0.1:${env.CAREWATCH_PUSH_PORT ?? 8082}`),
    creds,
    platformSecrets,
    serialEnds,
  };
}
