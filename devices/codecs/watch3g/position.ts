import type { WatchCell, WatchPosition, WatchWifi } from './message.ts';
import { decodeWatchStatus } from './status-bits.ts';
import { count, decimal, integer, percent } from './numbers.ts';

/**
 * Body of UD / UD2 / UD3 / UD_LTE / UD_WCDMA / WT / AL* reports (traccar PATTERN_POSITION):
 * `ddmmyy,hhmmss,A|V,lat,N|S,lon,E|W,speed,course,altitude,satellites,gsm,battery,steps,rolls,
 * STATUS,cell count,timing advance,mcc,mnc,(lac,cid,rssi)…,wifi count,(name,mac,rssi)…`.
 */
export type PositionParse = { ok: true; position: WatchPosition } | { ok: false; detail: string };

const SIX_DIGITS = /^\d{6}$/;
const REQUIRED_FIELDS = 16;

export function parsePositionBody(body: string): PositionParse {
  const f = body.split(',');
  if (f.length < REQUIRED_FIELDS) return { ok: false, detail: `position body has ${f.length} fields, needs ${REQUIRED_FIELDS} up to STATUS` };
  const [date, time, validity, lat, latHem, lon, lonHem] = f.map((s) => s.trim());
  if (!SIX_DIGITS.test(date!)) return { ok: false, detail: `date ${JSON.stringify(date)} is not ddmmyy` };
  if (!SIX_DIGITS.test(time!)) return { ok: false, detail: `time ${JSON.stringify(time)} is not hhmmss` };
  if (validity !== 'A' && validity !== 'V') return { ok: false, detail: `validity ${JSON.stringify(validity)} is not A or V` };
  const latitude = coordinate(lat, latHem, 'NS', 90);
  if (typeof latitude === 'string') return { ok: false, detail: `latitude: ${latitude}` };
  const longitude = coordinate(lon, lonHem, 'EW', 180);
  if (typeof longitude === 'string') return { ok: false, detail: `longitude: ${longitude}` };
  const status = decodeWatchStatus(f[15]!);
  if (status === undefined) return { ok: false, detail: `STATUS ${JSON.stringify(f[15])} is not 1-8 hex digits` };
  const position: WatchPosition = {
    date: date!,
    time: time!,
    gpsValid: validity === 'A',
    latitude,
    longitude,
    status,
    ...defined({
      speedKmh: decimal(f[7]),
      courseDeg: decimal(f[8]),
      altitudeM: decimal(f[9]),
      satellites: count(f[10]),
      gsmSignal: count(f[11]),
      battery: percent(f[12]),
      steps: count(f[13]),
      rolls: count(f[14]),
    }),
    ...networks(f.slice(REQUIRED_FIELDS)),
  };
  return { ok: true, position };
}

/**
 * Degrees with a hemisphere letter. A negative number wins over its letter (`-33.48,N` is south,
 * fixture watch-029); a missing E/W letter is allowed (traccar `([EW])?`).
 */
function coordinate(value: string | undefined, hemisphere: string | undefined, letters: 'NS' | 'EW', limit: number): number | string {
  const n = decimal(value);
  if (n === undefined) return `${JSON.stringify(value)} is not a number`;
  if (hemisphere !== '' && hemisphere !== letters[0] && hemisphere !== letters[1]) return `hemisphere ${JSON.stringify(hemisphere)} is not ${letters[0]} or ${letters[1]}`;
  const signed = n < 0 || value!.trim().startsWith('-') ? n : hemisphere === letters[1] ? -n : n;
  if (Math.abs(signed) > limit) return `${signed} is out of ±${limit}`;
  return signed === 0 ? 0 : signed; // no -0
}

/** Cells and Wi-Fi are secondary: parse what is well-formed, stop at the first gap. */
function networks(rest: string[]): { cells: WatchCell[]; wifi: WatchWifi[] } {
  const cells: WatchCell[] = [];
  const wifi: WatchWifi[] = [];
  let i = 0;
  const cellCount = count(rest[i++]);
  if (cellCount === undefined) return { cells, wifi };
  i++; // timing advance
  if (cellCount > 0) {
    const mcc = integer(rest[i++]) ?? 0;
    const mnc = integer(rest[i++]) ?? 0;
    for (let c = 0; c < cellCount && i + 2 < rest.length + 1; c++) {
      const lac = integer(rest[i++]);
      const cid = integer(rest[i++]);
      const rssi = integer(rest[i++]);
      if (lac === undefined || cid === undefined) return { cells, wifi };
      cells.push(rssi === undefined ? { mcc, mnc, lac, cid } : { mcc, mnc, lac, cid, rssi });
    }
  }
  const wifiCount = count(rest[i++]);
  for (let w = 0; wifiCount !== undefined && w < wifiCount && i + 2 < rest.length + 1; w++) {
    const name = rest[i++] ?? '';
    const mac = rest[i++] ?? '';
    const rssi = integer(rest[i++]);
    wifi.push(rssi === undefined ? { name, mac } : { name, mac, rssi });
  }
  return { cells, wifi };
}

/** Drop undefined values so optional properties stay absent (exactOptionalPropertyTypes-safe). */
export function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
