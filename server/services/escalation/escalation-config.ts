import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ESCALATION, EscalationConfig } from '../../../contract/index.ts';
import { formatIssues } from '../../plugins/external/zod-compiler.ts';

export const ESCALATION_FILE = 'escalation.json';

export class EscalationConfigError extends Error {
  readonly code = 'ESCALATION_CONFIG';
}

/**
 * `CAREWATCH_ESCALATION_FILE`, else `{dataDir}/escalation.json`, else the built-in default
 * (contract DEFAULT_ESCALATION). A file that does not parse stops the start with every problem
 * listed: a server that silently escalated nothing would be worse than one that does not start.
 */
export function loadEscalationConfig(opts: { file?: string | undefined; dataDir: string }): { config: EscalationConfig; from: string } {
  const file = opts.file ?? join(opts.dataDir, ESCALATION_FILE);
  if (!opts.file && !existsSync(file)) return { config: EscalationConfig.parse(DEFAULT_ESCALATION), from: 'built-in default' };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new EscalationConfigError(`cannot read escalation file ${file}: ${(error as Error).message}`);
  }
  return { config: parseEscalationConfig(raw, file), from: file };
}

export function parseEscalationConfig(raw: unknown, where = 'escalation config'): EscalationConfig {
  const parsed = EscalationConfig.safeParse(raw);
  if (!parsed.success) throw new EscalationConfigError(`invalid ${where}: ${formatIssues('file', parsed.error)}`);
  for (const [name, channel] of Object.entries(parsed.data.channels)) {
    if (channel.kind === 'webhook' && channel.secretEnv && !process.env[channel.secretEnv]) {
      throw new EscalationConfigError(`invalid ${where}: channels.${name}.secretEnv: environment variable ${channel.secretEnv} is not set`);
    }
  }
  return parsed.data;
}
