import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';

/**
 * A real mosquitto (Debian's) for bridge tests and the e2e bench's baseline flow: anonymous, 127.0.0.1 only, no persistence (a restart loses
 * every session, as a broker replaced by a new container would), Nagle off. Killed by its pid.
 */
export interface Mosquitto {
  port: number;
  url: string;
  pid: number | undefined;
  /** SIGTERM by pid, waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

export async function startMosquitto(dir: string, timeoutMs = 3000): Promise<Mosquitto> {
  const port = await freePort();
  const conf = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'set_tcp_nodelay true',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const broker: Mosquitto = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    pid: undefined,
    async start() {
      let stderr = '';
      const c = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      c.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      child = c;
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      broker.pid = c.pid;
      const deadline = Date.now() + timeoutMs;
      while (!(await accepts(port))) {
        if (c.exitCode !== null) throw new Error(`mosquitto exited with ${c.exitCode}: ${stderr}`);
        if (Date.now() > deadline) {
          await broker.stop();
          throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms: ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
      process.kill(c.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (c.exitCode === null && c.signalCode === null) {
        process.kill(c.pid, 'SIGKILL');
        await exited;
      }
    },
  };
  await broker.start();
  return broker;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
