import { DEFAULT_SEVERITY, type EventAction, type EventKind, type ReadingSource, type Resident, type Severity } from '../../../contract/index.ts';
import type { SiteModel, WatchedDevice } from '../../site/model.ts';
import type { EventDraft } from './event-draft.ts';

/**
 * Drafts for conditions found by a sweep or timer rather than a reading (silence, inactivity,
 * a held clear): `ts` is the scheduler's now. Severity defaults to the contract's per kind.
 */
type Details = EventDraft['details'];

export interface DraftOptions {
  severity?: Severity;
  count?: number;
  details?: Details;
  source?: ReadingSource;
}

export function deviceDraft(
  site: Pick<SiteModel, 'id'>, device: WatchedDevice, kind: EventKind, action: EventAction, ts: number, o: DraftOptions = {},
): EventDraft {
  return {
    siteId: site.id,
    kind,
    action,
    severity: o.severity ?? DEFAULT_SEVERITY[kind],
    subject: `device:${device.id}`,
    deviceId: device.id,
    ...(device.residentId ? { residentId: device.residentId } : {}),
    ...(device.roomId ? { roomId: device.roomId } : {}),
    ts,
    ...rest(o),
  };
}

export function residentDraft(
  site: SiteModel, resident: Resident, kind: EventKind, action: EventAction, ts: number,
  o: DraftOptions & { deviceId?: string; roomId?: string } = {},
): EventDraft {
  return {
    siteId: site.id,
    kind,
    action,
    severity: o.severity ?? DEFAULT_SEVERITY[kind],
    subject: `resident:${resident.id}`,
    residentId: resident.id,
    roomId: o.roomId ?? resident.roomId,
    ...(o.deviceId ? { deviceId: o.deviceId } : {}),
    ts,
    ...rest(o),
  };
}

export function linkDraft(site: SiteModel, link: string, kind: EventKind, action: EventAction, ts: number, o: DraftOptions = {}): EventDraft {
  return {
    siteId: site.id,
    kind,
    action,
    severity: o.severity ?? DEFAULT_SEVERITY[kind],
    subject: `link:${link}`,
    ts,
    ...rest(o),
  };
}

function rest(o: DraftOptions): Partial<EventDraft> {
  return {
    ...(o.count !== undefined ? { count: o.count } : {}),
    ...(o.source ? { source: o.source } : {}),
    ...(o.details ? { details: o.details } : {}),
  };
}
