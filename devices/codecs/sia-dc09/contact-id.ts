/**
 * Contact ID event data as DC-09 carries it in an `ADM-CID` message: `QEEE GG CCC`
 * (ANSI/SIA DC-09-2013 Annex; SIA DC-05 Contact ID): Q the qualifier, EEE the event code,
 * GG the group or partition, CCC the zone or user number. Example `1110 00 129`: new fire
 * alarm, partition 00, zone 129 (pysiaalarm tests, case_adm_cid).
 */
export const CONTACT_ID_QUALIFIERS = { new: 1, restore: 3, status: 6 } as const;
export type ContactIdQualifier = keyof typeof CONTACT_ID_QUALIFIERS;

export interface ContactIdEvent {
  qualifier: ContactIdQualifier;
  /** Three digits, 100–999 (100 medical, 110 fire, 602 periodic test, …). */
  code: number;
  partition: number;
  /** Zone (device) or user (staff) number, 0–999. */
  zone: number;
}

const PATTERN = /^([136])(\d{3}) ([0-9A-Fa-f]{2}) ([0-9A-Fa-f]{3})$/;

export function encodeContactId(e: ContactIdEvent): string {
  for (const [name, value, max] of [['code', e.code, 999], ['partition', e.partition, 99], ['zone', e.zone, 999]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`Contact ID ${name} ${value} is not 0–${max}`);
  }
  const p = (n: number, w: number) => String(n).padStart(w, '0');
  return `${CONTACT_ID_QUALIFIERS[e.qualifier]}${p(e.code, 3)} ${p(e.partition, 2)} ${p(e.zone, 3)}`;
}

export function decodeContactId(text: string): ContactIdEvent | null {
  const m = PATTERN.exec(text);
  if (!m) return null;
  const qualifier = (Object.keys(CONTACT_ID_QUALIFIERS) as ContactIdQualifier[]).find((k) => String(CONTACT_ID_QUALIFIERS[k]) === m[1])!;
  return { qualifier, code: Number(m[2]), partition: Number(m[3]), zone: Number(m[4]) };
}
