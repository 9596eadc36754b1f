import { type OperatorFunction, defer, filter, map } from 'rxjs';
import type { EventKind, FieldName, Severity, StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import { type EventDraft, deviceEvent } from '../kit/event-draft.ts';
import { MemoryRuleState, type RuleStateStore } from '../kit/rule-state.ts';

export interface FlagRule {
  field: Extract<FieldName, 'smoke' | 'heat' | 'water_leak' | 'tamper' | 'fault' | 'battery_low'>;
  kind: EventKind;
  severity: Severity;
  /**
   * A report with `test: true` is the detector's self-test: its alarm flag is the test, not a fire
   * (GB/T 26875.3 status bit 0, "test state"; recorded as `fire.test` by recordSelfTest).
   */
  ignoreDuringTest?: boolean;
}

export interface FlagRuleOptions {
  site: SiteModel;
  rule: FlagRule;
  /** Which devices have the flag raised, so a restart neither re-raises nor forgets (DESIGN.md). */
  state?: RuleStateStore;
}

/**
 * Raises `kind` when a device's boolean `field` turns true and clears it when it turns false.
 * Only transitions count: Zigbee2MQTT resends a device's whole cached state with every message
 * (fixtures README §1), so a repeated `smoke: true` is the same fire, not a new one.
 * A missing field is unknown and changes nothing. Only raised flags are kept (a Set, not a record
 * per device), so 100,000 quiet devices cost nothing here.
 */
export function raiseOnFlag(opts: FlagRuleOptions): OperatorFunction<StateReading, EventDraft> {
  const { site, rule } = opts;
  const store = opts.state ?? new MemoryRuleState();
  const prefix = `flag:${rule.kind}:${rule.field}:`;
  return (readings) => defer(() => {
    const raised = new Set(store.entries<true>(prefix).map(([key]) => key.slice(prefix.length)));
    return readings.pipe(
      map((r): EventDraft | undefined => {
        const on = r.fields[rule.field];
        if (typeof on !== 'boolean' || on === raised.has(r.deviceId)) return undefined;
        if (rule.ignoreDuringTest && r.fields.test === true) return undefined;
        const device = site.devices.get(r.deviceId);
        if (!device) return undefined;
        if (on) {
          raised.add(r.deviceId);
          store.set(prefix + r.deviceId, true);
        } else {
          raised.delete(r.deviceId);
          store.delete(prefix + r.deviceId);
        }
        return deviceEvent(device, r, rule.kind, on ? 'raise' : 'clear', rule.severity);
      }),
      filter((d): d is EventDraft => d !== undefined),
    );
  });
}
