import type { Event } from '../../contract/index.ts';
import { encodeContactId, encodeSiaDcs } from '../codecs/sia-dc09/index.ts';
import type { Dc09Code } from './dc09-codes.ts';

/**
 * An event as the data of a DC-09 message (pure). Contact ID (`ADM-CID`) or SIA DC-03
 * (`SIA-DCS`), as the receiver is configured; new events and restores get the qualifier or code
 * of their action; the zone is the device's number, the user the staff member's where the event
 * names one (`details.staffNumber`).
 */
export type Dc09Format = 'ADM-CID' | 'SIA-DCS';

export interface Dc09MappingOptions {
  format: Dc09Format;
  codes: Readonly<Record<string, Dc09Code | null | undefined>>;
  /** The zone number of the event's device (or subject); 0 when it has none. */
  zoneOf: (event: Event) => number;
  /** Contact ID group / SIA area; default 1. */
  partition?: number;
}

export interface Dc09Payload {
  token: Dc09Format;
  data: string;
}

export function eventToDc09(event: Event, opts: Dc09MappingOptions): Dc09Payload | null {
  const code = opts.codes[event.kind];
  if (!code) return null;
  const restore = event.action === 'clear';
  const zone = Math.min(999, Math.max(0, opts.zoneOf(event)));
  const partition = opts.partition ?? 1;
  if (opts.format === 'ADM-CID') {
    return { token: 'ADM-CID', data: encodeContactId({ qualifier: restore ? 'restore' : 'new', code: code.cid, partition, zone }) };
  }
  const staff = event.details?.staffNumber;
  return {
    token: 'SIA-DCS',
    data: encodeSiaDcs({
      code: restore ? code.siaRestore : code.sia,
      zone,
      area: partition,
      ...(typeof staff === 'number' && Number.isInteger(staff) && staff >= 0 ? { user: staff } : {}),
    }),
  };
}
