import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/**
 * The one CLI helper every `carewatch` command uses (gateway, server, sim, demo, bench, admin):
 * it lives in contract/ because every part may import contract/ and no part may import another.
 *
 * A usage mistake (an unknown flag, a missing value, a file that is not there) is one line on
 * stderr and exit status 2 — never a stack trace; `--help` prints the usage and exits 0.
 */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** A mistake in configuration the user must fix (a refused site file): one line (or a list), exit 1. */
export class ConfigError extends Error {
  readonly code = 'CONFIG';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` with the product's conventions: strict, `--help` always known, and node's own
 * parse errors (ERR_PARSE_ARGS_*) turned into a `UsageError` naming the flag. Returns `'help'`
 * when help was asked for (the caller prints its usage and exits 0).
 */
export function parseCommandLine<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    if ((parsed.values as { help?: boolean }).help) return 'help' as const;
    return parsed;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Node's advice on positionals that start with '-' is not what a typo needs: the first sentence only.
    if (code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''));
    throw error;
  }
}

/** A number flag: an integer in [min, max], else a `UsageError` naming the flag. */
export function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

/**
 * Runs a command's body with the conventions above: `UsageError` → one line and 2,
 * `ConfigError` → its message and 1; anything else is a bug and keeps its stack.
 */
export async function runCli(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`carewatch ${command}: ${(error as Error).message.split('\n')[0]} (see carewatch ${command} --help)\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`carewatch ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
