import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SOCAT = '/usr/bin/socat';

/**
 * A pseudo-terminal pair from socat: what is written into one end comes out of the other, like a
 * null-modem cable. `gateway` is the end the gateway opens as its serial port, `device` the end
 * the test plays the receiver on. `stop()` kills socat by its own pid (which removes the links
 * and hangs up both ends: an unplugged receiver).
 */
export interface SocatPair {
  gateway: string;
  device: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startSocatPair(gateway: string, device: string, timeoutMs = 3000): Promise<SocatPair> {
  const child: ChildProcess = spawn(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${gateway}`, `pty,raw,echo=0,link=${device}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${SOCAT}`);
  const deadline = Date.now() + timeoutMs;
  // socat logs "starting data transfer loop" once both ptys exist and it is relaying.
  while (!(stderr.includes('starting data transfer loop') && existsSync(gateway) && existsSync(device))) {
    if (child.exitCode !== null) throw new Error(`socat exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`socat did not start within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    gateway,
    device,
    pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGKILL');
        await exited;
      }
    },
  };
}
