import type { Alarm, Channel, EscalationConfig, EscalationPolicy, EscalationRule, WebhookChannel } from '../../../contract/index.ts';
import { EscalationConfigError } from './escalation-config.ts';

/** Rule answers kept per snapshot at most (sites × kinds × severities seen); past it they are looked up again. */
const MAX_REMEMBERED = 100_000;

/** Where a site sits in the region tree, as of the current provisioning. */
export interface SiteRegions {
  /** The provisioning snapshot answers come from; a new one (a site moved, a region added) makes earlier lookups stale. */
  snapshot(): object;
  /** The region node ids above a site, nearest first (the community, its street, …); [] when unknown. */
  regionsOf(siteId: string): readonly string[];
}

/**
 * The policies of one server: per site, else the nearest region node up the tree, else the
 * default. Answers from memory: the policy of each site and the rule of each (site, kind,
 * severity) are looked up once per provisioning snapshot, so an alarm no rule takes costs the
 * ingest path one map lookup and no store call (issue 18's ingest goal).
 */
export class EscalationPolicies {
  private memoOf: object | undefined;
  private readonly policies = new Map<string, EscalationPolicy>();
  private readonly rules = new Map<string, EscalationRule | null>();

  constructor(readonly config: EscalationConfig, private readonly regions: SiteRegions) {}

  policyFor(siteId: string): EscalationPolicy {
    this.forgetIfProvisioningChanged();
    let policy = this.policies.get(siteId);
    if (!policy) {
      policy = this.lookUpPolicy(siteId);
      this.policies.set(siteId, policy);
    }
    return policy;
  }

  /** The first rule of the site's policy that takes this alarm, or undefined (not escalated). */
  ruleFor(alarm: Pick<Alarm, 'siteId' | 'kind' | 'severity'>): EscalationRule | undefined {
    this.forgetIfProvisioningChanged();
    const key = `${alarm.siteId}\0${alarm.kind}\0${alarm.severity}`;
    let rule = this.rules.get(key);
    if (rule === undefined) {
      rule = this.policyFor(alarm.siteId).rules.find((r) => matches(r, alarm)) ?? null;
      if (this.rules.size >= MAX_REMEMBERED) this.rules.clear();
      this.rules.set(key, rule);
    }
    return rule ?? undefined;
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

  private lookUpPolicy(siteId: string): EscalationPolicy {
    const own = this.config.sites[siteId];
    if (own) return own;
    for (const nodeId of this.regions.regionsOf(siteId)) {
      const policy = this.config.regions[nodeId];
      if (policy) return policy;
    }
    return this.config.default;
  }

  private forgetIfProvisioningChanged(): void {
    const snapshot = this.regions.snapshot();
    if (snapshot === this.memoOf) return;
    this.memoOf = snapshot;
    this.policies.clear();
    this.rules.clear();
  }
}

function matches(rule: EscalationRule, alarm: Pick<Alarm, 'kind' | 'severity'>): boolean {
  if (rule.severities && !rule.severities.includes(alarm.severity)) return false;
  if (rule.kinds && !rule.kinds.some((k) => (k.endsWith('.') ? alarm.kind.startsWith(k) : alarm.kind === k))) return false;
  return true;
}
