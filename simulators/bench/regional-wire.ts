import type { BrokerAddress } from '../devices/mqtt-device.ts';
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { TS_LOADER } from '../stack/node-command.ts';

/**
 * The regional benchmark's load generators are processes of their own (regional-load.ts), so the
 * bench process only measures and the client sockets have their own open-file budget. They talk
 * JSON lines: commands on the child's stdin, replies (echoing `req`) on its stdout.
 */

/** One home's connected devices, as a load generator needs them. */
export interface LoadHome {
  siteId: string;
  /** Watch id of the home's "3G*" watch, if the generator holds it. */
  watchId?: string;
  /** Native MQTT device the generator holds: its id, username and secret. */
  mqtt?: { deviceId: string; username: string; password: string };
}

export type LoadCommand =
  | { cmd: 'init'; mqtt: BrokerAddress; watchHost: string; watchPort: number; homes: LoadHome[] }
  | { cmd: 'connect'; kind: 'watch' | 'mqtt'; concurrency: number }
  /** Every held connection sends one keep-alive per `periodMs`, spread evenly over the period. */
  | { cmd: 'keepalive'; periodMs: number }
  | { cmd: 'ping' }
  | { cmd: 'alarm'; home: number; kind: 'button' | 'sos' }
  | { cmd: 'stats' }
  | { cmd: 'stop' };

export interface ConnectResult { connected: number; failed: number; ms: number; firstError?: string }
export interface LoadStats {
  keepalives: number;
  sendErrors: number;
  closed: { watch: number; mqtt: number };
  /** The generator's own worst event-loop delay since the last stats request: a stalled generator sends late. */
  loopMaxMs: number;
}

export type LoadReply =
  | { req: number; ok: true; result?: ConnectResult | LoadStats | { at: number } }
  | { req: number; ok: false; error: string };

/** Wall-clock time with sub-millisecond resolution, comparable across processes on one machine. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

const LOAD_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'regional-load.ts');

/** The bench's handle on one load generator process. */
export class LoadProcess {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: LoadReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private exited = false;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let reply: LoadReply;
      try {
        reply = JSON.parse(line) as LoadReply;
      } catch {
        return; // not ours
      }
      const p = this.pending.get(reply.req);
      if (!p) return;
      this.pending.delete(reply.req);
      clearTimeout(p.timer);
      p.resolve(reply);
    });
    child.stdin.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`load generator exited (${code ?? signal}) with a request open`));
      }
      this.pending.clear();
    });
  }

  /** Starts a generator; `wrapper` prefixes the command (e.g. raising the open-file limit). */
  static start(wrapper: readonly string[] = []): LoadProcess {
    const cmd = [...wrapper, process.execPath, '--import', TS_LOADER, LOAD_SCRIPT];
    return new LoadProcess(spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends a command; resolves with its reply, rejects on an error reply, a timeout or an exit. */
  async request<T = unknown>(command: LoadCommand, timeoutMs: number): Promise<T> {
    if (this.exited) throw new Error('load generator has exited');
    const req = this.next++;
    const reply = await new Promise<LoadReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(req);
        reject(new Error(`load generator: no answer to "${command.cmd}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(req, { resolve, reject, timer });
      this.child.stdin.write(`${JSON.stringify({ req, ...command })}\n`);
    });
    if (!reply.ok) throw new Error(`load generator: ${command.cmd}: ${reply.error}`);
    return reply.result as T;
  }

  /**
   * The generator's clock minus ours, from the ping with the shortest round trip (its reply
   * taken as made halfway through). Both read the same system clock; this checks it.
   */
  async clockOffset(pings = 20): Promise<{ offsetMs: number; rttMs: number }> {
    let best = { offsetMs: 0, rttMs: Number.POSITIVE_INFINITY };
    for (let i = 0; i < pings; i++) {
      const t0 = epochNow();
      const { at } = await this.request<{ at: number }>({ cmd: 'ping' }, 5000);
      const t1 = epochNow();
      if (t1 - t0 < best.rttMs) best = { offsetMs: at - (t0 + t1) / 2, rttMs: t1 - t0 };
    }
    return best;
  }

  /** Asks it to close its connections and exit; kills it by pid if it does not within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.request({ cmd: 'stop' }, graceMs).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
