import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './mosquitto.ts';

export const INFLUXD = '/usr/bin/influxd';

/** A real InfluxDB 1.x (Debian's `influxdb`) in a folder of its own, on free 127.0.0.1 ports. */
export interface Influxd {
  /** Base URL, e.g. `http://127.0.0.1:41234`; add `/database` for CAREWATCH_INFLUX_URL. */
  url: string;
  pid: number | undefined;
  /** SIGTERM by pid, SIGKILL if it has not exited in 5 s. */
  stop(): Promise<void>;
}

/**
 * Starts `influxd run -config FILE` with its meta, data and WAL under `dir`, reporting off, the
 * in-memory index (fast to open) and no internal monitor database. Waits for `/ping` to answer.
 */
export async function startInfluxd(dir: string, timeoutMs = 15_000): Promise<Influxd> {
  const [http, rpc] = [await freePort(), await freePort()];
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(conf, [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpc}"`,
    '[meta]', `  dir = "${join(dir, 'meta')}"`,
    '[data]', `  dir = "${join(dir, 'data')}"`, `  wal-dir = "${join(dir, 'wal')}"`, '  query-log-enabled = false', '  index-version = "inmem"',
    '[monitor]', '  store-enabled = false',
    '[http]', `  bind-address = "127.0.0.1:${http}"`, '  log-enabled = false',
    '[logging]', '  level = "warn"',
    '',
  ].join('\n'));
  let stderr = '';
  const child: ChildProcess = spawn(INFLUXD, ['run', '-config', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${http}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/ping`).then((r) => r.status === 204, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`influxd did not answer /ping within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, pid: child.pid, stop };
}
