/**
 * SIA DC-03 event data as DC-09 carries it in a `SIA-DCS` message: `N` (new event), optional
 * modifiers `ri<area>/` and `id<user>/`, the two-letter event code and the zone, e.g.
 * `Nri1/WA000` (water alarm, area 1, zone 0; pysiaalarm tests, case_wa) or `Nri1/CL501`.
 */
export interface SiaDcsEvent {
  /** Two upper-case letters: FA fire alarm, FH fire alarm restore, MA medical, QA emergency, … */
  code: string;
  zone: number;
  area?: number;
  user?: number;
  /** Free text the DC-03 carries between `^` (ASCII, no `]`, `[`, `|` or `^`). */
  text?: string;
}

const PATTERN = /^N(?:ri(\d+)\/?)?(?:id(\d+)\/?)?([A-Z]{2})(\d*)(?:\^([^^]*)\^)?$/;

export function encodeSiaDcs(e: SiaDcsEvent): string {
  if (!/^[A-Z]{2}$/.test(e.code)) throw new RangeError(`SIA code "${e.code}" is not two upper-case letters`);
  if (!Number.isInteger(e.zone) || e.zone < 0 || e.zone > 9999) throw new RangeError(`SIA zone ${e.zone} is not 0–9999`);
  const text = e.text ? `^${e.text.replace(/[^\x20-\x7e]|[[\]|^]/g, ' ').slice(0, 32)}^` : '';
  return `N${e.area !== undefined ? `ri${e.area}/` : ''}${e.user !== undefined ? `id${e.user}/` : ''}${e.code}${String(e.zone).padStart(3, '0')}${text}`;
}

export function decodeSiaDcs(text: string): SiaDcsEvent | null {
  const m = PATTERN.exec(text);
  if (!m) return null;
  return {
    code: m[3]!,
    zone: m[4] ? Number(m[4]) : 0,
    ...(m[1] !== undefined ? { area: Number(m[1]) } : {}),
    ...(m[2] !== undefined ? { user: Number(m[2]) } : {}),
    ...(m[5] !== undefined ? { text: m[5] } : {}),
  };
}
