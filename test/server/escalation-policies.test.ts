import { describe, expect, it } from 'vitest';
import { EscalationConfig } from '../../contract/index.ts';
import { EscalationPolicies } from '../../server/services/escalation/escalation-policies.ts';

const config = EscalationConfig.parse({
  channels: { stream: { kind: 'stream' } },
  default: { rules: [{ severities: ['critical'], steps: [{ afterSec: 60, label: 'call centre', notify: ['stream'] }] }] },
  regions: { 'district-b': { rules: [{ kinds: ['fire.'], steps: [{ afterSec: 0, label: 'fire department', notify: ['stream'] }] }], resignalAfterSec: 120 } },
});

/** Where each site sits, replaced wholesale on a provisioning change as ScopeService replaces its index. */
function regions(initial: Record<string, string[]>) {
  let snapshot = { regionsOf: initial };
  let lookups = 0;
  return {
    snapshot: () => snapshot,
    regionsOf: (siteId: string) => { lookups += 1; return snapshot.regionsOf[siteId] ?? []; },
    provision: (next: Record<string, string[]>) => { snapshot = { regionsOf: next }; },
    get lookups() { return lookups; },
  };
}

describe('escalation policies: looked up once per provisioning snapshot', () => {
  it('answers the nearest region\'s rule, else the default\'s, else none', () => {
    const policies = new EscalationPolicies(config, regions({ 'home-1': ['street-1', 'district-b'] }));
    expect(policies.ruleFor({ siteId: 'home-1', kind: 'fire.smoke', severity: 'critical' })?.steps[0]?.label).toBe('fire department');
    expect(policies.ruleFor({ siteId: 'home-1', kind: 'call.button', severity: 'critical' })).toBeUndefined();
    expect(policies.ruleFor({ siteId: 'home-2', kind: 'call.button', severity: 'critical' })?.steps[0]?.label).toBe('call centre');
    expect(policies.ruleFor({ siteId: 'home-2', kind: 'call.button', severity: 'major' })).toBeUndefined();
  });

  it('walks the region tree once per site, not once per alarm', () => {
    const where = regions({ 'home-1': ['district-b'] });
    const policies = new EscalationPolicies(config, where);
    for (let i = 0; i < 100; i += 1) policies.ruleFor({ siteId: 'home-1', kind: 'call.button', severity: 'major' });
    policies.policyFor('home-1');
    expect(where.lookups).toBe(1);
  });

  it('forgets what it looked up when provisioning changes: a site moved to another region takes that region\'s policy', () => {
    const where = regions({ 'home-1': ['district-a'] });
    const policies = new EscalationPolicies(config, where);
    expect(policies.ruleFor({ siteId: 'home-1', kind: 'fire.smoke', severity: 'major' })).toBeUndefined();
    expect(policies.policyFor('home-1').resignalAfterSec).toBe(300);
    where.provision({ 'home-1': ['district-b'] });
    expect(policies.ruleFor({ siteId: 'home-1', kind: 'fire.smoke', severity: 'major' })?.steps[0]?.label).toBe('fire department');
    expect(policies.policyFor('home-1').resignalAfterSec).toBe(120);
  });
});
