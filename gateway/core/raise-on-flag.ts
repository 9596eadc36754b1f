import { type OperatorFunction, filter, groupBy, map, mergeMap, pairwise, startWith } from 'rxjs';
import type { EventKind, FieldName, Severity, StateReading } from '../../contract/index.ts';
import type { SiteModel } from '../site/model.ts';
import { type EventDraft, deviceEvent } from './event-draft.ts';

export interface FlagRule {
  field: Extract<FieldName, 'smoke' | 'heat' | 'water_leak' | 'tamper' | 'fault' | 'battery_low'>;
  kind: EventKind;
  severity: Severity;
}

/**
 * Raises `kind` when a device's boolean `field` turns true and clears it when it turns false.
 * Only transitions count: Zigbee2MQTT resends a device's whole cached state with every message
 * (fixtures README §1), so a repeated `smoke: true` is the same fire, not a new one.
 * A missing field is unknown and changes nothing.
 */
export function raiseOnFlag(site: SiteModel, rule: FlagRule): OperatorFunction<StateReading, EventDraft> {
  return (readings) => readings.pipe(
    filter((r) => typeof r.fields[rule.field] === 'boolean' && site.devices.has(r.deviceId)),
    groupBy((r) => r.deviceId),
    mergeMap((perDevice) => perDevice.pipe(
      map((r) => ({ r, on: r.fields[rule.field] === true })),
      startWith(undefined),
      pairwise(),
      filter(([before, now]) => now !== undefined && (before === undefined ? now.on : before.on !== now.on)),
      map(([, now]) => {
        const device = site.devices.get(now!.r.deviceId)!;
        return deviceEvent(device, now!.r, rule.kind, now!.on ? 'raise' : 'clear', rule.severity);
      }),
    )),
  );
}
