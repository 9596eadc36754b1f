import { type OperatorFunction, defer, filter, map } from 'rxjs';
import type { StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import { type EventDraft, deviceEvent } from '../kit/event-draft.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

export interface SelfTestOptions {
  site: SiteModel;
  state: RuleStateStore;
}

/**
 * Records a detector's self-test (`test` turning true) as `fire.test`, action `record`, severity
 * info: not an alarm, but the proof a coverage audit needs that the detector was tested
 * (NFPA 72 14.4.3 periodic testing; GB 25201 monthly function checks). Z2M repeats `test: true`
 * from its cache while the test lasts: one test is one record.
 */
export function recordSelfTest(opts: SelfTestOptions): OperatorFunction<StateReading, EventDraft> {
  const { site } = opts;
  const prefix = 'selftest:';
  return (readings) => defer(() => {
    const testing = new Set(opts.state.entries<true>(prefix).map(([key]) => key.slice(prefix.length)));
    return readings.pipe(
      map((r): EventDraft | undefined => {
        const test = r.fields.test;
        if (typeof test !== 'boolean' || test === testing.has(r.deviceId)) return undefined;
        const device = site.devices.get(r.deviceId);
        if (!device) return undefined;
        if (!test) {
          testing.delete(r.deviceId);
          opts.state.delete(prefix + r.deviceId);
          return undefined;
        }
        testing.add(r.deviceId);
        opts.state.set(prefix + r.deviceId, true);
        const details: EventDraft['details'] = { profile: device.profileId };
        if (r.fields.smoke !== undefined) details.smoke = r.fields.smoke;
        if (r.fields.heat !== undefined) details.heat = r.fields.heat;
        return deviceEvent(device, r, 'fire.test', 'record', 'info', details);
      }),
      filter((d): d is EventDraft => d !== undefined),
    );
  });
}
