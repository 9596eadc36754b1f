import type { RflinkAddress } from './fields.ts';

/**
 * Device lines for simulators, in the firmware's output format (`display_Footer` ends each line
 * with `;\r\n`): `20;SS;Name;ID=…;SWITCH=…;CMD=…;KEY=VAL;`.
 */
export interface RflinkLineInput extends RflinkAddress {
  cmd?: string;
  values?: Readonly<Record<string, string>>;
}

export function encodeRflinkLine(input: RflinkLineInput, seq: number): string {
  if (!/^[0-9A-Fa-f]{1,16}$/.test(input.id)) throw new RangeError(`ID "${input.id}" is not 1–16 hex digits`);
  for (const text of [input.protocol, input.switch ?? '', input.cmd ?? '', ...Object.entries(input.values ?? {}).flat()]) {
    if (/[;\r\n]/.test(text)) throw new RangeError(`"${text}" contains a line or field separator`);
  }
  for (const key of Object.keys(input.values ?? {})) {
    if (!/^[A-Za-z0-9_()]+$/.test(key)) throw new RangeError(`key "${key}" is not a RFLink field name`);
  }
  const fields = [
    '20',
    (seq & 0xff).toString(16).toUpperCase().padStart(2, '0'),
    input.protocol,
    `ID=${input.id}`,
    ...(input.switch !== undefined ? [`SWITCH=${input.switch}`] : []),
    ...(input.cmd !== undefined ? [`CMD=${input.cmd}`] : []),
    ...Object.entries(input.values ?? {}).map(([k, v]) => `${k}=${v}`),
  ];
  return `${fields.join(';')};\r\n`;
}

/** TEMP/WINCHL encoding: hex tenths with bit 15 as the sign (inverse of signMagnitudeTenths). */
export function encodeRflinkTemperature(celsius: number): string {
  const tenths = Math.round(Math.abs(celsius) * 10);
  if (tenths > 0x7fff) throw new RangeError(`${celsius} °C does not fit 15 bits of tenths`);
  return ((celsius < 0 ? 0x8000 : 0) | tenths).toString(16).padStart(4, '0');
}
