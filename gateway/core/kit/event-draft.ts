import type { EventAction, EventKind, ReadingSource, Severity } from '../../../contract/index.ts';
import type { StateReading } from '../../../contract/index.ts';
import type { WatchedDevice } from '../../site/model.ts';
import { deviceDraft } from './rule-drafts.ts';

/**
 * What a rule emits: an event without the identity the outbox gives it (id, per-subject seq,
 * createdAt, lane). Keeping those out of the rules keeps the rules pure and replayable.
 */
export interface EventDraft {
  siteId: string;
  kind: EventKind;
  action: EventAction;
  severity: Severity;
  /** `device:{id}`, `resident:{id}`, `zone:{id}` or `link:{name}` — the alarm key's source. */
  subject: string;
  deviceId?: string;
  residentId?: string;
  roomId?: string;
  /** Device time of the reading behind the event, else the scheduler's now. */
  ts: number;
  count?: number;
  source?: ReadingSource;
  details?: Record<string, string | number | boolean | null>;
}

/**
 * The draft for a condition on one device that a reading shows, placed in its room and with its
 * resident: `deviceDraft` (rule-drafts.ts) with the reading's site, device time and source.
 */
export function deviceEvent(
  device: WatchedDevice,
  reading: Pick<StateReading, 'siteId' | 'ts' | 'source'>,
  kind: EventKind,
  action: EventAction,
  severity: Severity,
  details?: EventDraft['details'],
): EventDraft {
  return deviceDraft({ id: reading.siteId }, device, kind, action, reading.ts, {
    severity,
    source: reading.source,
    ...(details ? { details } : {}),
  });
}
