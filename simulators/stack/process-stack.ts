import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoCredentials } from '../../contract/index.ts';
import { demoPaths, provisionDemo, readSiteFile } from '../demo/provision.ts';
import { freeStablePort } from './free-port.ts';
import { type BrokerAddress, brokerAt } from '../devices/mqtt-device.ts';
import { SERVICE_NODE_FLAGS } from './node-command.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ProcessStackOptions {
  siteFiles: string[];
  /** Keep the data folder between `stop()` and a new start (restart tests). */
  dataDir?: string;
  gatewayArgs?: string[];
  /** More `carewatch server` arguments, e.g. `['--store', 'postgres://…']`. */
  serverArgs?: string[];
  env?: Record<string, string>;
  /** Prefix for the gateway command, e.g. raising the open-file limit: ['bash', '-c', 'ulimit -n 65536 && exec "$0" "$@"']. */
  gatewayWrapper?: string[];
  /** The same for the server. */
  serverWrapper?: string[];
  /** Node flags for the gateway process (e.g. --cpu-prof, --trace-gc, which NODE_OPTIONS refuses). */
  gatewayNodeArgs?: string[];
  /** The same for the server process. */
  serverNodeArgs?: string[];
  /** The server URL the gateway is given, when it reaches the server through something (a test's TCP proxy). */
  gatewayServerUrl?: () => string;
  /**
   * The gateway's broker in plain MQTT (`--mqtt-plain`) instead of its default TLS: for benches
   * whose baseline is a plain broker (bare aedes, mosquitto), so both sides speak alike.
   */
  mqttPlain?: boolean;
  /** Start both processes at once (the gateway retries the server until it is up): a quicker start on a busy machine. */
  startTogether?: boolean;
}

/**
 * The server and one gateway as real child processes on free loopback ports — what `npm start`
 * runs — for benchmarks and for tests that kill a process with SIGKILL. Each process is tracked
 * by its pid and stopped by it.
 */
export class ProcessStack {
  server: ChildProcess | undefined;
  gateway: ChildProcess | undefined;
  readonly ports = { server: 0, mqtt: 0, gatewayHttp: 0, watch: 0, push: 0 };
  readonly dataDir: string;
  creds!: DemoCredentials;
  private readonly ownsDataDir: boolean;

  constructor(private readonly opts: ProcessStackOptions) {
    this.ownsDataDir = !opts.dataDir;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'carewatch-procs-'));
  }

  /** The server's `--data-dir` (its embedded store's file lives here). */
  get serverDataDir(): string { return join(this.dataDir, 'server'); }
  get serverUrl(): string { return `http://127.0.0.1:${this.ports.server}`; }
  /** The gateway's broker over TLS, with the CA the demo's provisioning made (beside the credentials). */
  get mqttBroker(): BrokerAddress {
    return brokerAt(`${this.opts.mqttPlain ? 'mqtt' : 'mqtts'}://127.0.0.1:${this.ports.mqtt}`, demoPaths(this.dataDir).mqttTls.caCertFile);
  }
  get gatewayUrl(): string { return `http://127.0.0.1:${this.ports.gatewayHttp}`; }
  get pushUrl(): string { return `http://127.0.0.1:${this.ports.push}`; }
  /** The gateway's status page, status.json and metrics answer only to its local staff token (a file in its data dir). */
  get gatewayHeaders(): Record<string, string> {
    return gatewayStaffHeaders(join(this.dataDir, 'gateway'));
  }

  async start(): Promise<void> {
    await this.provision();
    // Together: one gateway process, started beside the server (it started a second one after
    // both, which could not bind the ports; `gateway` then named that dead process, and kill9 a no-op).
    if (this.opts.startTogether) {
      await Promise.all([this.startServer(), this.startGateway()]);
      return;
    }
    await this.startServer();
    await this.startGateway();
  }

  /** Provisions the demo's secrets and starts the server only (benchmarks of the server alone). */
  async startServerAlone(): Promise<void> {
    await this.provision();
    await this.startServer();
  }

  private async provision(): Promise<void> {
    const paths = demoPaths(this.dataDir);
    this.creds = provisionDemo(paths, expandSiteFiles(this.opts.siteFiles).map(readSiteFile), 'gw-demo').creds;
    for (const k of Object.keys(this.ports) as Array<keyof typeof this.ports>) if (!this.ports[k]) this.ports[k] = await freeStablePort();
  }

  async startServer(): Promise<void> {
    const paths = demoPaths(this.dataDir);
    this.server = this.spawn(['server', '--data-dir', this.serverDataDir, '--provision', paths.serverProvisioning, '--port', String(this.ports.server), ...(this.opts.serverArgs ?? [])], this.opts.serverWrapper, this.opts.serverNodeArgs);
    await waitHealthy(`${this.serverUrl}/healthz`, this.server);
  }

  async startGateway(): Promise<void> {
    const paths = demoPaths(this.dataDir);
    this.gateway = this.spawn([
      'gateway', ...this.opts.siteFiles.flatMap((f) => ['--site', f]), '--server', this.opts.gatewayServerUrl?.() ?? this.serverUrl, '--gateway-id', 'gw-demo',
      '--token-file', paths.gatewayToken, '--credentials', paths.gatewayCredentials, '--data-dir', join(this.dataDir, 'gateway'),
      ...(this.opts.mqttPlain ? ['--mqtt-plain'] : ['--tls-key', paths.mqttTls.keyFile, '--tls-cert', paths.mqttTls.certFile]),
      '--mqtt-port', String(this.ports.mqtt), '--http-port', String(this.ports.gatewayHttp), '--watch-port', String(this.ports.watch),
      '--push-port', String(this.ports.push), '--push-config', paths.gatewayPushConfig,
      ...(this.opts.gatewayArgs ?? []),
    ], this.opts.gatewayWrapper, this.opts.gatewayNodeArgs);
    await waitHealthy(`${this.gatewayUrl}/healthz`, this.gateway, 60_000);
  }

  /** SIGKILL: no shutdown code runs, as in a crash or a power cut of the process. */
  async kill9(which: 'server' | 'gateway'): Promise<void> {
    const child = this[which];
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all([this.terminate(this.gateway), this.terminate(this.server)]);
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async terminate(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private spawn(args: string[], wrapper: string[] = [], nodeArgs: string[] = []): ChildProcess {
    const cmd = [...wrapper, process.execPath, ...SERVICE_NODE_FLAGS, ...nodeArgs, join(ROOT, 'carewatch.mjs'), ...args];
    // CAREWATCH_STACK_LOGS=DIR keeps each process's log lines (stdout and stderr) in DIR/<command>.log.
    const logDir = process.env.CAREWATCH_STACK_LOGS;
    const logFd = logDir ? openSync(join(logDir, `${args[0]}.log`), 'a') : undefined;
    const child = spawn(cmd[0]!, cmd.slice(1), {
      stdio: ['ignore', logFd ?? 'ignore', logFd ?? (process.env.CAREWATCH_STACK_STDERR ? 'inherit' : 'ignore')],
      env: { ...process.env, CAREWATCH_LOG_LEVEL: 'warn', CAREWATCH_PARENT_PID: String(process.pid), ...this.opts.env },
    });
    if (logFd !== undefined) closeSync(logFd); // the child holds its own copy
    return child;
  }
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode} before it was up`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch { /* not yet */ }
    if (Date.now() > until) throw new Error(`${url} not up after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `Authorization` for a gateway's own HTTP, from the staff token file in its data dir (none yet: no header). */
export function gatewayStaffHeaders(gatewayDataDir: string): Record<string, string> {
  const file = join(gatewayDataDir, 'gateway-staff-token');
  return existsSync(file) ? { authorization: `Bearer ${readFileSync(file, 'utf8').trim()}` } : {};
}

/** Site files as the gateway reads its --site arguments: folders stand for the site files in them. */
function expandSiteFiles(paths: readonly string[]): string[] {
  return paths.flatMap((p) => (statSync(p).isDirectory()
    ? readdirSync(p).filter((f) => /\.(ya?ml|json)$/i.test(f) && !f.startsWith('.')).sort().map((f) => join(p, f))
    : [p]));
}
