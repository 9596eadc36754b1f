/**
 * The "IW" frames a watch sends, for simulators: the inverse of `decodeIwFrame` (fixture README
 * §4, traccar TrvProtocolDecoder's PATTERN). Positions are written `ddmm.mmmm` / `dddmm.mmmm`
 * with hemisphere letters, times as `yymmdd` / `hhmmss` in the watch's clock (UTC unless set).
 */
export type IwFrameSpec =
  | { type: 'AP00'; imei: string }
  | { type: 'AP01' | 'AP10'; at: number; latitude?: number; longitude?: number; battery?: number; gsmSignal?: number; satellites?: number;
      speedKmh?: number; courseDeg?: number; cell?: { mcc: number; mnc: number; lac: number; cid: number };
      /** AP10 only: 01 SOS, 05 fall (traccar). */
      alarmCode?: string; tzOffsetMinutes?: number;
      /** The 5 status digits after the battery (fortification, working mode …; read by no one here), default 00000. */
      flags?: string }
  | { type: 'AP49'; heartRate: number }
  | { type: 'APHT'; heartRate: number; systolic: number; diastolic: number }
  | { type: 'AP50'; bodyTempC: number; battery: number };

const pad = (n: number, width: number) => String(Math.trunc(n)).padStart(width, '0');

/** `22.5496767` → `2232.9806` (degrees and decimal minutes, 4 places). */
function degMin(value: number, degDigits: number): string {
  const abs = Math.abs(value);
  const deg = Math.floor(abs);
  const min = (abs - deg) * 60;
  return `${pad(deg, degDigits)}${min.toFixed(4).padStart(7, '0')}`;
}

/** One frame with its `#` terminator. */
export function encodeIwFrame(spec: IwFrameSpec): Buffer {
  return Buffer.from(`IW${body(spec)}#`, 'latin1');
}

function body(spec: IwFrameSpec): string {
  switch (spec.type) {
    case 'AP00': return `AP00${spec.imei}`;
    case 'AP49': return `AP49,${spec.heartRate}`;
    case 'APHT': return `APHT,${spec.heartRate},${spec.systolic},${spec.diastolic}`;
    case 'AP50': return `AP50,${spec.bodyTempC},${spec.battery}`;
    default: {
      const t = new Date(spec.at + (spec.tzOffsetMinutes ?? 0) * 60_000);
      const date = `${pad(t.getUTCFullYear() % 100, 2)}${pad(t.getUTCMonth() + 1, 2)}${pad(t.getUTCDate(), 2)}`;
      const time = `${pad(t.getUTCHours(), 2)}${pad(t.getUTCMinutes(), 2)}${pad(t.getUTCSeconds(), 2)}`;
      const fix = spec.latitude !== undefined && spec.longitude !== undefined;
      const lat = spec.latitude ?? 0;
      const lon = spec.longitude ?? 0;
      const cell = spec.cell ?? { mcc: 460, mnc: 0, lac: 9520, cid: 3671 };
      const location = `${date}${fix ? 'A' : 'V'}${degMin(lat, 2)}${lat < 0 ? 'S' : 'N'}${degMin(lon, 3)}${lon < 0 ? 'W' : 'E'}`
        + `${(spec.speedKmh ?? 0).toFixed(1).padStart(5, '0')}${time}${(spec.courseDeg ?? 0).toFixed(2).padStart(6, '0')}`
        + `${pad(spec.gsmSignal ?? 60, 3)}${pad(spec.satellites ?? (fix ? 9 : 0), 3)}${pad(spec.battery ?? 80, 3)}${spec.flags ?? '00000'}`
        + `,${cell.mcc},${cell.mnc},${cell.lac},${cell.cid}`;
      return spec.type === 'AP10' ? `AP10${location},${spec.alarmCode ?? '00'}` : `AP01${location}`;
    }
  }
}
