import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TS_LOADER } from '../stack/node-command.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs a benchmark script of another part of the product in its own Node process (the walls of
 * DESIGN.md hold: the simulators reach the gateway only across a process boundary) and parses
 * the JSON it prints on stdout.
 */
export async function runJsonScript<T>(relPath: string, nodeFlags: string[] = [], timeoutMs = 300_000, args: string[] = []): Promise<T> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', TS_LOADER, resolve(ROOT, relPath), ...args], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c: string) => { out += c; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${relPath} exited with ${code}`);
  return JSON.parse(out) as T;
}
