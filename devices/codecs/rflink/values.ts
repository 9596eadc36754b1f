/**
 * Value encodings of RFLink fields (README §2, RFLink protocol reference):
 * `TEMP`/`WINCHL`/`WINTMP` hex tenths of °C with bit 15 as the sign — not two's complement
 * (`00cf` = 20.7, `800d` = −1.3); `HUM` decimal %; `RAIN`, `WINSP`, `WINGS` hex tenths
 * (mm, km/h); `WINDIR` decimal 0–15 (22.5° steps); `BAT=OK|LOW`; `SMOKEALERT`/`PIR` `ON|OFF`.
 * Each parser returns undefined for a malformed value, so a caller can say which key was bad.
 */
const HEX4 = /^[0-9A-Fa-f]{1,4}$/;
const DEC = /^[0-9]{1,5}$/;

/** Signed by bit 15, magnitude in tenths: integer arithmetic, then one division (no 20.700000000000003). */
export function signMagnitudeTenths(hex: string): number | undefined {
  if (!HEX4.test(hex)) return undefined;
  const v = parseInt(hex, 16);
  const tenths = v & 0x7fff;
  return (v & 0x8000 ? -tenths : tenths) / 10;
}

export function hexTenths(hex: string): number | undefined {
  return HEX4.test(hex) ? parseInt(hex, 16) / 10 : undefined;
}

export function decimal(text: string): number | undefined {
  return DEC.test(text) ? parseInt(text, 10) : undefined;
}

export function onOff(text: string): boolean | undefined {
  const t = text.toUpperCase();
  return t === 'ON' ? true : t === 'OFF' ? false : undefined;
}

export function batteryLow(text: string): boolean | undefined {
  const t = text.toUpperCase();
  return t === 'LOW' ? true : t === 'OK' ? false : undefined;
}

/** The measurement keys this codec reads, with their parser and the name they are reported under. */
export const MEASUREMENTS = {
  TEMP: { name: 'temperatureC', parse: signMagnitudeTenths },
  HUM: { name: 'humidity', parse: decimal },
  RAIN: { name: 'rainMm', parse: hexTenths },
  WINSP: { name: 'windKmh', parse: hexTenths },
  WINGS: { name: 'windGustKmh', parse: hexTenths },
  WINDIR: { name: 'windDirectionIndex', parse: decimal },
  BAT: { name: 'batteryLow', parse: batteryLow },
  SMOKEALERT: { name: 'smokeAlert', parse: onOff },
  PIR: { name: 'pir', parse: onOff },
} as const;
type MeasurementKey = keyof typeof MEASUREMENTS;
type MeasurementName = (typeof MEASUREMENTS)[MeasurementKey]['name'];
export type RflinkMeasurements = Partial<Record<MeasurementName, number | boolean>> & {
  temperatureC?: number; humidity?: number; rainMm?: number; windKmh?: number; windGustKmh?: number;
  windDirectionIndex?: number; batteryLow?: boolean; smokeAlert?: boolean; pir?: boolean;
};

/** Parsed measurements plus the keys whose values were malformed. */
export function rflinkMeasurements(values: Readonly<Record<string, string>>): { measurements: RflinkMeasurements; malformed: string[] } {
  const measurements: Record<string, number | boolean> = {};
  const malformed: string[] = [];
  for (const key of Object.keys(MEASUREMENTS) as MeasurementKey[]) {
    const raw = values[key];
    if (raw === undefined) continue;
    const parsed = MEASUREMENTS[key].parse(raw);
    if (parsed === undefined) malformed.push(`${key}=${raw}`);
    else measurements[MEASUREMENTS[key].name] = parsed;
  }
  return { measurements: measurements as RflinkMeasurements, malformed };
}
