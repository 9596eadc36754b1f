import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ESCALATION, EscalationConfig } from '../../../contract/index.ts';
import type { Alarm, Channel, EscalationPolicy, EscalationRule, WebhookChannel } from '../../../contract/index.ts';
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

/** The policies of one server: per site, else the nearest region node up the tree, else the default. */
export class EscalationPolicies {
  constructor(
    readonly config: EscalationConfig,
    /** The region node ids above a site, nearest first (the community, its street, …); [] when unknown. */
    private readonly regionsOf: (siteId: string) => readonly string[],
  ) {}

  policyFor(siteId: string): EscalationPolicy {
    const own = this.config.sites[siteId];
    if (own) return own;
    for (const nodeId of this.regionsOf(siteId)) {
      const policy = this.config.regions[nodeId];
      if (policy) return policy;
    }
    return this.config.default;
  }

  /** The first rule of the site's policy that takes this alarm, or undefined (not escalated). */
  ruleFor(alarm: Pick<Alarm, 'siteId' | 'kind' | 'severity'>): EscalationRule | undefined {
    return this.policyFor(alarm.siteId).rules.find((rule) => matches(rule, alarm));
  }

  channel(name: string): Channel | undefined {
    return this.config.channels[name];
  }

  /** The HMAC key of a webhook channel. */
  secretOf(channel: WebhookChannel): string {
    const secret = channel.secret ?? (channel.secretEnv ? process.env[channel.secretEnv] : undefined);
    if (!secret) throw new EscalationConfigError(`webhook ${channel.url}: no secret (${channel.secretEnv ?? 'secret'} is empty)`);
    return secret;
  }
}

function matches(rule: EscalationRule, alarm: Pick<Alarm, 'kind' | 'severity'>): boolean {
  if (rule.severities && !rule.severities.includes(alarm.severity)) return false;
  if (rule.kinds && !rule.kinds.some((k) => (k.endsWith('.') ? alarm.kind.startsWith(k) : alarm.kind === k))) return false;
  return true;
}
