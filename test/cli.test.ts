import { execFile } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../cli.ts';
import { ADMIN_COMMANDS } from '../server/admin-cli/cli.ts';
import { SIM_COMMANDS } from '../simulators/cli.ts';

// The brief's rule for every command (contract/cli.ts): `--help` answers (exit 0); a usage
// mistake is one line on stderr and exit 2, never a stack trace. Real `carewatch` processes.
const CAREWATCH = new URL('../carewatch.mjs', import.meta.url).pathname;
interface Run { status: number | null; stdout: string; stderr: string }
const run = (...args: string[]) => new Promise<Run>((resolve) => {
  execFile(process.execPath, [CAREWATCH, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
    resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
  });
});

// Every command as a process; every subcommand in this process (the same `main` as carewatch.mjs,
// ~60 processes would cost the shared machine a minute). The lists of sim and admin subcommands
// come from the commands themselves, so a new one is checked without touching this file.
const COMMANDS = ['', 'server', 'gateway', 'sim', 'demo', 'audit', 'admin', 'bench'];
const SUBCOMMANDS = [
  'audit verify', ...SIM_COMMANDS.map((c) => `sim ${c}`), 'sim receiver dc09', 'sim receiver gb26875',
  ...ADMIN_COMMANDS.map((c) => `admin ${c}`),
];

// Spawned: the top-level mistakes, and those of the commands that set a process-wide umask
// (server, gateway, demo). In this process: the others.
const TYPOS = ['frob', 'demo --bogus', 'server --bogus', 'gateway --bogus', 'server --data-dir /nonexistent/carewatch',
  'gateway --deliver pigeon', 'server --jetstream-ingest'];
const SUB_TYPOS = [
  'bench --bogus', 'bench --only frob',
  'sim', 'sim frob', 'sim publish --bogus', 'sim scenario --bogus', 'sim receiver', 'sim receiver frob', 'sim receiver dc09 --bogus',
  'sim receiver dc09 --port abc', 'admin', 'admin frob', 'admin region frob', 'admin site put --bogus', 'admin site list extra',
  'audit', 'audit frob', 'audit verify --bogus',
];

/** `main` as carewatch.mjs runs it, with what it writes captured. */
async function inProcess(argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { stdout += String(chunk); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => { stderr += String(chunk); return true; });
  try {
    return { status: await main(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const SPAWNED = { timeout: 120_000 }; // a cold node + TypeScript loader on a loaded 2-core machine

describe('carewatch command line', () => {
  // One process at a time: the suite's other worker starts real servers on the same two cores.
  it.each(COMMANDS)('carewatch %s --help exits 0 with a usage text', SPAWNED, async (command) => {
    const result = await run(...command.split(' ').filter(Boolean), '--help');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/carewatch/);
    expect(result.stderr).toBe('');
  });

  it.each(SUBCOMMANDS)('carewatch %s --help exits 0 with a usage text', async (command) => {
    const result = await inProcess([...command.split(' '), '--help']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/carewatch/);
    expect(result.stderr).toBe('');
  });

  it.each(TYPOS)('carewatch %s is one line on stderr and exit 2', SPAWNED, async (command) => {
    expectOneLine(await run(...command.split(' ')));
  });

  it.each(SUB_TYPOS)('carewatch %s is one line on stderr and exit 2', async (command) => {
    expectOneLine(await inProcess(command.split(' ')));
  });
});

function expectOneLine(result: Run): void {
  expect(result.status, result.stderr).toBe(2);
  expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
  expect(result.stderr).toMatch(/^carewatch/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}
