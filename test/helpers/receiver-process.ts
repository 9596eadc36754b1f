import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `carewatch sim receiver dc09|gb26875` as a real process on a loopback port: the lines it prints
 * are collected, `kill9()` ends it by its pid as a crash would.
 */
export class ReceiverProcess<R = Record<string, unknown>> {
  readonly received: Array<R & { at: number }> = [];
  private child: ChildProcess | undefined;

  constructor(readonly kind: 'dc09' | 'gb26875', readonly port: number, private readonly args: string[] = []) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [join(ROOT, 'carewatch.mjs'), 'sim', 'receiver', this.kind, '--port', String(this.port), ...this.args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CAREWATCH_PARENT_PID: String(process.pid) },
    });
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolveUp, reject) => {
      child.once('exit', (code) => reject(new Error(`receiver ${this.kind} exited with ${code} before listening`)));
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as { listening?: unknown; received?: R };
        if (msg.listening) resolveUp();
        if (msg.received) this.received.push({ ...msg.received, at: Date.now() });
      });
    });
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
