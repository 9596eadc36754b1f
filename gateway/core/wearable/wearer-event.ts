import type { EventAction, EventKind, Severity, StateReading } from '../../../contract/index.ts';
import type { WatchedDevice } from '../../site/model.ts';
import { type EventDraft, deviceEvent } from '../kit/event-draft.ts';

/**
 * The draft for a condition of the person wearing a device (an SOS, a fall, a vital sign, a
 * geofence exit): its subject is the resident, so one person's two devices make one alarm.
 * A device assigned to no resident is its own subject.
 */
export function wearerEvent(
  device: WatchedDevice,
  reading: Pick<StateReading, 'siteId' | 'ts' | 'source'>,
  kind: EventKind,
  action: EventAction,
  severity: Severity,
  details?: EventDraft['details'],
): EventDraft {
  const draft = deviceEvent(device, reading, kind, action, severity, details);
  if (device.residentId) draft.subject = `resident:${device.residentId}`;
  return draft;
}
