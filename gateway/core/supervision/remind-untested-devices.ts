import { type Observable, type OperatorFunction, type SchedulerLike, defer, merge } from 'rxjs';
import { DeadlineWheel } from '../kit/deadline-wheel.ts';
import { NONE, emitEach } from '../kit/emit-each.ts';
import type { DeviceFields, FieldName, StateReading } from '../../../contract/index.ts';
import type { SiteModel, WatchedDevice } from '../../site/model.ts';
import { type EventDraft, deviceEvent } from '../kit/event-draft.ts';
import { deviceDraft } from '../kit/rule-drafts.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

export interface RemindUntestedOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
  sweep: Observable<unknown>;
}

/** Stored as `untested:{deviceId}`. */
interface Proof {
  proofAt: number;
  open: boolean;
}

const KEY = 'untested:';
const DAY = 86_400_000;

/** The fields provesWorking reads (a report without any of them proves nothing). */
export const PROOF_FIELDS: readonly FieldName[] = ['action', 'test', 'sos', 'fall'];

/** A press, an alarm or a test report: the device works end to end. */
export function provesWorking(f: DeviceFields): boolean {
  return f.action !== undefined || f.test === true || f.sos === true || f.fall === true;
}

/**
 * `device.untested` (JGJ/T 484-2019 10.3.1: emergency call buttons and wearables are tested
 * weekly): the last proof per device is kept in the store; no proof within
 * `rules.devices.untestedDays` raises a `minor` reminder, and the next proof clears it. A device
 * never proven counts from the rule's first start (stored, so restarts do not reset it).
 * Which devices: those whose profile is `testable` (devices/profiles/capabilities.ts).
 */
export function remindUntestedDevices(opts: RemindUntestedOptions): OperatorFunction<StateReading, EventDraft> {
  const { site, scheduler, state, sweep } = opts;
  const periodMs = site.rules.devices.untestedDays * DAY;
  return (states) => defer(() => {
    const now0 = scheduler.now();
    const proofs = new Map<string, Proof & { d: WatchedDevice }>();
    // Only devices whose week may be up are visited by a sweep (deadline-wheel.ts).
    const wheel = new DeadlineWheel<Proof & { d: WatchedDevice }>(60_000);
    for (const d of site.devices.values()) {
      if (!d.profile.testable) continue; // the profile says (devices/profiles `testable`: call buttons, wearables)
      const saved = state.get<Proof>(KEY + d.id);
      const p = saved ?? { proofAt: now0, open: false };
      if (!saved) state.set(KEY + d.id, p);
      const entry = { ...p, d };
      proofs.set(d.id, entry);
      if (!p.open) wheel.add(entry, p.proofAt + periodMs);
    }
    const save = (p: Proof & { d: WatchedDevice }) => state.set(KEY + p.d.id, { proofAt: p.proofAt, open: p.open } satisfies Proof);

    const onReading = (r: StateReading): readonly EventDraft[] => {
      if (!provesWorking(r.fields)) return NONE; // before the lookup: most reports prove nothing
      const p = proofs.get(r.deviceId);
      if (!p) return NONE;
      const wasOpen = p.open;
      p.proofAt = scheduler.now();
      p.open = false;
      save(p);
      // While it was open it was out of the wheel; filed again lazily otherwise (see onSweep).
      if (wasOpen) wheel.add(p, p.proofAt + periodMs);
      return wasOpen ? [deviceEvent(p.d, r, 'device.untested', 'clear', 'minor')] : [];
    };

    const onSweep = (): readonly EventDraft[] => {
      const now = scheduler.now();
      const out: EventDraft[] = [];
      for (const p of wheel.takeDue(now)) {
        if (p.open) continue;
        if (now - p.proofAt < periodMs) { wheel.add(p, p.proofAt + periodMs); continue; }
        p.open = true;
        save(p);
        out.push(deviceDraft(site, p.d, 'device.untested', 'raise', now, {
          severity: 'minor', details: { lastProofAt: p.proofAt, untestedDays: site.rules.devices.untestedDays },
        }));
      }
      return out;
    };

    return merge(states.pipe(emitEach(onReading)), sweep.pipe(emitEach(onSweep)));
  });
}
