import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../simulators/stack/free-port.ts';
import { SERVICE_NODE_FLAGS } from '../../simulators/stack/node-command.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ReplicaOptions {
  dataDir: string;
  provisionFile: string;
  busUrl: string;
  /** Keep the port across a restart (clients reconnect to the same address). */
  port?: number;
  args?: string[];
  env?: Record<string, string>;
}

/** One `carewatch server --bus nats://…` process, tracked and stopped by its pid (issue 22). */
export class ServerReplica {
  child: ChildProcess | undefined;
  port = 0;

  constructor(private readonly opts: ReplicaOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = this.port || this.opts.port || await freePort();
    const child = spawn(process.execPath, [
      ...SERVICE_NODE_FLAGS, join(ROOT, 'carewatch.mjs'), 'server', '--data-dir', this.opts.dataDir, '--provision', this.opts.provisionFile,
      '--port', String(this.port), '--bus', this.opts.busUrl, ...(this.opts.args ?? []),
    ], {
      stdio: ['ignore', 'ignore', process.env.CAREWATCH_STACK_STDERR ? 'inherit' : 'ignore'],
      env: { ...process.env, CAREWATCH_LOG_LEVEL: 'warn', CAREWATCH_PARENT_PID: String(process.pid), ...this.opts.env },
    });
    this.child = child;
    const until = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server replica on ${this.port} exited with ${child.exitCode} before it was up`);
      const ok = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (ok) return this;
      if (Date.now() > until) throw new Error(`server replica on ${this.port} not up in 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL by pid: no shutdown code runs. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, sig);
    const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL'); }, 5000);
    await exited;
    clearTimeout(timer);
  }
}
