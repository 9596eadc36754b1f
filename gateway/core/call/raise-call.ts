import { type OperatorFunction, type SchedulerLike, defer, filter, map } from 'rxjs';
import type { StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import { type EventDraft, deviceEvent } from '../kit/event-draft.ts';
import { rulesFor } from '../kit/resident-rules.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

export interface CallOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
}

/** An open call a resident may still cancel: when it was raised (scheduler time). */
interface OpenCall {
  raisedAt: number;
}

/**
 * `call.button` on every press of a call button or pull cord (`action` single, double, hold or
 * emergency — each is a call; repeats become the alarm's count in flood control). A resident's
 * `cancel` within `rules.calls.cancelWindowSec` of the call (the resident's override, else the
 * site's) clears it, recorded as cancelled; after the window the cancel changes nothing: staff
 * must attend (BS 8521-2 / EN 50134-7 practice: a call is closed by the carer on site).
 * The call's raise time is kept in the rule state, so a restart does not shorten or extend the window.
 */
export function raiseCall(opts: CallOptions): OperatorFunction<StateReading, EventDraft> {
  const { site, scheduler, state } = opts;
  const prefix = 'call:';
  return (readings) => defer(() => {
    const open = new Map(state.entries<OpenCall>(prefix).map(([k, v]) => [k.slice(prefix.length), v]));
    return readings.pipe(
      map((r): EventDraft | undefined => {
        const action = r.fields.action;
        if (action === undefined) return undefined;
        const device = site.devices.get(r.deviceId);
        if (!device) return undefined;
        const now = scheduler.now();
        const windowMs = rulesFor(site, device.residentId).calls.cancelWindowSec * 1000;
        if (action !== 'cancel') {
          const call = open.get(r.deviceId);
          // A press inside the window repeats the call; after it, the window starts again.
          if (!call || now - call.raisedAt > windowMs) {
            const call: OpenCall = { raisedAt: now };
            open.set(r.deviceId, call);
            state.set(prefix + r.deviceId, call);
          }
          return deviceEvent(device, r, 'call.button', 'raise', 'critical', { action });
        }
        const call = open.get(r.deviceId);
        if (!call) return undefined;
        open.delete(r.deviceId);
        state.delete(prefix + r.deviceId);
        if (now - call.raisedAt > windowMs) return undefined;
        return deviceEvent(device, r, 'call.button', 'clear', 'critical', { cancelled: true, action });
      }),
      filter((d): d is EventDraft => d !== undefined),
    );
  });
}
