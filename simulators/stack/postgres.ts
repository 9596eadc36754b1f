import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

/** Debian's `postgresql` (15): the binaries the store tests and the bench start. */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A real PostgreSQL 15 cluster in a folder of its own, on a free 127.0.0.1 port. */
export interface Postgres {
  /** `postgres://carewatch@127.0.0.1:PORT/carewatch` (trust auth on loopback: a throwaway cluster). */
  url: string;
  port: number;
  pid: number | undefined;
  /** A fresh, empty database of its own, for one test case or one bench run. */
  createDatabase(name: string): Promise<string>;
  /** The cluster's folder (removed by `stop`). */
  dir: string;
  /** SIGINT by pid (fast shutdown), SIGKILL if it has not exited in 10 s; then removes its folder. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /**
   * fsync on (default): commits are durable, as in production (the bench compares it with the
   * embedded store's synchronous=FULL). Tests may turn it off: they check behaviour, not power cuts.
   */
  durable?: boolean;
  timeoutMs?: number;
}

/**
 * `initdb` then `postgres -D` in a new temp folder of its own, listening on 127.0.0.1 only, its
 * socket in that folder. PostgreSQL refuses to run as root: as root (CI), the cluster runs as the
 * `postgres` user the Debian package creates (so the folder sits directly in the temp dir, where
 * that user can reach it), and is still stopped by its pid.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<Postgres> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-pg-'));
  const data = join(dir, 'data');
  const owner = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  try {
    execFileSync(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'carewatch', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], {
      ...as, stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, timeout: timeoutMs,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const settings = [
    `port=${port}`, "listen_addresses=127.0.0.1", `unix_socket_directories=${dir}`, 'max_connections=200',
    'shared_buffers=64MB', `fsync=${options.durable === false ? 'off' : 'on'}`, 'logging_collector=off', 'log_min_messages=warning',
  ];
  let stderr = '';
  const child: ChildProcess = spawn(join(PG_BIN, 'postgres'), ['-D', data, ...settings.flatMap((s) => ['-c', s])], {
    ...as, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `postgres://carewatch@127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${stderr}`);
    try {
      await admin(`${base}/postgres`, 'CREATE DATABASE carewatch');
      break;
    } catch (error) {
      // Starting up: refused, or "the database system is starting up" (57P03).
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not accept connections within ${timeoutMs} ms: ${(error as Error).message} ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `${base}/carewatch`,
    port,
    dir,
    pid: child.pid,
    createDatabase: async (name) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await admin(`${base}/postgres`, `CREATE DATABASE ${name}`);
      return `${base}/${name}`;
    },
    stop,
  };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`running as root and there is no '${name}' user to run PostgreSQL as (it refuses root): apt-get install postgresql`);
  return { uid: Number(uid), gid: Number(gid) };
}
