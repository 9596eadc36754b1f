import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TS_LOADER } from '../stack/node-command.ts';
import { RAISE_NOFILE, rssKiB } from './regional-proc.ts';
import { LoadProcess } from './regional-wire.ts';

const BARE_AEDES = join(dirname(fileURLToPath(import.meta.url)), 'bare-aedes-process.ts');

export interface BareAedesMemory {
  connections: number;
  failed: number;
  idleMiB: number;
  connectedMiB: number;
  kbPerConnection: number;
}

/**
 * Memory baseline: bare aedes in its own process (no auth, no hooks; the ingest benchmark's
 * baseline broker) holding `connections` idle MQTT clients from a load generator process.
 */
export async function bareAedesMemory(connections: number, settleMs = 3000): Promise<BareAedesMemory> {
  const cmd = [...RAISE_NOFILE, process.execPath, '--import', TS_LOADER, BARE_AEDES];
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const loader = LoadProcess.start(RAISE_NOFILE);
  try {
    const mqttPort = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bare aedes not ready within 30 s')), 30_000);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (line: string) => {
        const m = /ready (\d+) (\d+)/.exec(line);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`bare aedes exited with ${code}`)); });
    });
    const pid = child.pid!;
    const homes = Array.from({ length: connections }, (_, i) => ({ siteId: 'bare', mqtt: { deviceId: `d${i}`, username: `d${i}`, password: 'x' } }));
    await loader.request({ cmd: 'init', mqtt: { url: `mqtt://127.0.0.1:${mqttPort}` }, watchHost: '127.0.0.1', watchPort: 0, homes }, 30_000);
    await sleep(settleMs);
    const idle = rssKiB(pid);
    const r = await loader.request<{ connected: number; failed: number }>({ cmd: 'connect', kind: 'mqtt', concurrency: 64 }, 180_000);
    await sleep(settleMs);
    const connected = rssKiB(pid);
    return {
      connections: r.connected,
      failed: r.failed,
      idleMiB: Math.round(idle / 1024),
      connectedMiB: Math.round(connected / 1024),
      kbPerConnection: Number(((connected - idle) / Math.max(1, r.connected)).toFixed(1)),
    };
  } finally {
    await loader.stop();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
