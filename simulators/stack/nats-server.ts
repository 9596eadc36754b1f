import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { freePort } from './free-port.ts';

/** Debian's `nats-server` (2.9.10): the bus and JetStream delivery of issue 22. */
export const NATS_SERVER = '/usr/sbin/nats-server';

/** A real nats-server with JetStream, its store in a folder of its own, on a free 127.0.0.1 port. */
export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  url: string;
  port: number;
  pid: number | undefined;
  /** SIGTERM by pid, SIGKILL if it has not exited in 5 s. */
  stop(): Promise<void>;
  /** SIGKILL by pid at once (a crash). */
  kill(): Promise<void>;
}

/**
 * `nats-server -js -sd DIR -a 127.0.0.1 -p PORT` (restarted on the same `port` and `dir` it keeps
 * its streams). Waits for "Server is ready" on its log.
 */
export async function startNatsServer(dir: string, options: { port?: number; timeoutMs?: number } = {}): Promise<NatsServer> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const port = options.port ?? await freePort();
  mkdirSync(dir, { recursive: true });
  let log = '';
  const child: ChildProcess = spawn(NATS_SERVER, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      if (log.includes('Server is ready')) resolve();
    });
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
  const signal = async (sig: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (gone()) return;
    process.kill(child.pid!, sig);
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
    if (!gone()) {
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    }
  };
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`, port, pid: child.pid,
    stop: () => signal('SIGTERM', 5000),
    kill: () => signal('SIGKILL', 5000),
  };
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); }),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await server.stop();
    throw new Error(`nats-server ${outcome === 'exited' ? `exited with ${child.exitCode}` : `not ready within ${timeoutMs} ms`}: ${log}`);
  }
  return server;
}
