import { EMPTY, type Observable, type OperatorFunction, type SchedulerLike, defer, filter, merge, share, timer } from 'rxjs';
import type { LinkStatus, Reading, StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { FanOut } from '../kit/fan-out.ts';
import { TROUBLE_FIELDS, raiseDeviceTrouble } from './raise-device-trouble.ts';
import { LinkRegistry, raiseOnLinkDown } from './raise-on-link-down.ts';
import { raiseOnSilence } from './raise-on-silence.ts';
import { PROOF_FIELDS, remindUntestedDevices } from './remind-untested-devices.ts';
import { routeByField } from '../kit/route-by-field.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

export interface SuperviseDevicesOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  /** Survives restarts: last seen, open alarms, flap folds, last proofs, links down. */
  state: RuleStateStore;
  /** Whole links (bridges, serial receivers, platforms) going up and down; none when absent. */
  links?: Observable<LinkStatus>;
  /** Period of the site's one supervision sweep, in scheduler seconds (default 30). */
  sweepEverySec?: number;
  /**
   * Delay of the first sweep (ms): a regional gateway gives each site its own phase, so 10,000
   * homes' sweeps spread over the period instead of firing together (which stalled alarms ~2 s).
   */
  sweepPhaseMs?: number;
}

export const DEFAULT_SWEEP_EVERY_SEC = 30;

/**
 * Device supervision of one site (issue 11): `device.offline` (silence, availability, flap folding),
 * one root-cause `device.offline` per link that is down, `device.battery_low` / `device.tamper` /
 * `device.fault` with restores, and weekly `device.untested` reminders. Silence-based rules share
 * ONE scheduler interval per site — no timer per device.
 */
export function superviseDevices(opts: SuperviseDevicesOptions): OperatorFunction<Reading, EventDraft> {
  const { site, scheduler, state } = opts;
  const links = opts.links ?? EMPTY;
  return (readings) => defer(() => {
    const periodMs = (opts.sweepEverySec ?? DEFAULT_SWEEP_EVERY_SEC) * 1000;
    const sweep = timer(opts.sweepPhaseMs ?? periodMs, periodMs, scheduler).pipe(share());
    const registry = new LinkRegistry(site, state);
    const shared = readings.pipe(share({ connector: () => new FanOut<Reading>() })); // fan-out.ts: no closure per reading
    const states = shared.pipe(filter((r): r is StateReading => r.type === 'state'));
    return merge(
      links.pipe(raiseOnLinkDown({ site, scheduler, registry })),
      shared.pipe(raiseOnSilence({ site, scheduler, state, sweep, registry })),
      // Routed (route-by-field.ts): a report without a trouble field or a proof has nothing for these two.
      states.pipe(routeByField<EventDraft>([
        { fields: TROUBLE_FIELDS, rule: raiseDeviceTrouble({ site, scheduler, state, sweep }) },
        { fields: PROOF_FIELDS, rule: remindUntestedDevices({ site, scheduler, state, sweep }) },
      ])),
    );
  });
}
