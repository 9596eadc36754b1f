import { type OperatorFunction, filter, mergeMap } from 'rxjs';
import type { StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { wearerEvent } from './wearer-event.ts';

/**
 * `wearable.sos` on `sos: true` and `wearable.fall` on `fall: true` (both critical). They are
 * momentary events — a press, a detected fall — not states: there is no clear (staff resolve the
 * alarm), and a `false` means nothing. A watch may repeat `true` in consecutive reports of the
 * same incident (4G watches resend an alarm packet until acknowledged); every repeat is passed on
 * and flood control (limitAlarmFloods, `rules.flood.repeatFoldSec`) folds it into the count.
 * Stateless, so nothing to restore after a restart.
 */
export interface WearableAlarmsOptions {
  site: SiteModel;
}

export function raiseWearableAlarms(opts: WearableAlarmsOptions): OperatorFunction<StateReading, EventDraft> {
  const { site } = opts;
  return (readings) => readings.pipe(
    filter((r) => r.fields.sos === true || r.fields.fall === true),
    mergeMap((r) => {
      const device = site.devices.get(r.deviceId);
      if (!device) return [];
      const out: EventDraft[] = [];
      if (r.fields.fall === true) out.push(wearerEvent(device, r, 'wearable.fall', 'raise', 'critical'));
      if (r.fields.sos === true) out.push(wearerEvent(device, r, 'wearable.sos', 'raise', 'critical'));
      return out;
    }),
  );
}
