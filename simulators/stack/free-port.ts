import { readFileSync } from 'node:fs';
import net from 'node:net';

/** A loopback port free right now (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A free loopback port below the kernel's ephemeral range, for a process that is killed and
 * started again on it: while it is down, a port from `freePort()` (ephemeral) can be taken as the
 * local end of any outgoing connection on the machine — devices reconnecting, other tests — and
 * the restart then fails to bind it.
 */
export async function freeStablePort(): Promise<number> {
  const ephemeralFrom = Number(readFirst('/proc/sys/net/ipv4/ip_local_port_range')?.split(/\s+/)[0] ?? 32768);
  const low = 20_000;
  const high = Math.max(low + 1000, Math.min(ephemeralFrom, 65_536)) - 1;
  for (let i = 0; i < 50; i++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await bindable(port)) return port;
  }
  return freePort();
}

function readFirst(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined; // not Linux: fall back to the usual range
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
