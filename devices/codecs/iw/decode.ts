import { accept, reject, type Decoded } from '../../decoded.ts';
import { preview } from '../watch3g/frame-splitter.ts';

/**
 * Protocol decoder of the "IW" 4G elderly-watch protocol (traccar TrvProtocolDecoder; fixture
 * README §4). One frame without its `#` → one typed message. Only `AP00` names the device (the
 * IMEI); later frames on the connection belong to it, which the gateway's session tracks.
 */
export interface IwPosition {
  /** `yymmdd`, `hhmmss` as sent (traccar reads them as UTC). */
  date: string;
  time: string;
  gpsValid: boolean;
  latitude: number;
  longitude: number;
  speedKmh: number;
  courseDeg: number;
  gsmSignal: number;
  satellites: number;
  battery: number;
  cell: { mcc: number; mnc: number; lac: number; cid: number };
  wifiCount: number;
}

export type IwAlarm = 'sos' | 'fall_down';

interface IwBase { type: string }
export type IwMessage = IwBase & (
  | { kind: 'login'; imei: string }
  | { kind: 'position'; position: IwPosition }
  | { kind: 'alarm'; position: IwPosition; alarmCode: string; alarm?: IwAlarm }
  | { kind: 'vital'; heartRate?: number; systolic?: number; diastolic?: number; spo2?: number; bodyTempC?: number; battery?: number }
  | { kind: 'other'; content: string }
);

const HEADER = /^IW([A-Z]P[0-9A-Z]{2})/;
// traccar TrvProtocolDecoder.PATTERN, after the 6-character `IWAPxx` header.
const LOCATION = /^(\d{6})([AV])(\d{2})(\d{2}\.\d+)([NS])(\d{3})(\d{2}\.\d+)([EW])(\d{3}\.\d)(\d{6})([\d.]{6})(\d{3})(\d{3})(\d{3})\d\d{2}\d{2}(?:\d{3,5})?,(\d+),(\d+),(\d+),(\d+)(.*)$/;
/** Alarm codes after the cell of an AP10 (traccar): 01 SOS, 05/06 fall. */
const ALARM_CODES: Readonly<Record<string, IwAlarm>> = { '01': 'sos', '05': 'fall_down', '06': 'fall_down' };

export function decodeIwFrame(frame: Buffer): Decoded<IwMessage> {
  const text = frame.toString('latin1');
  const head = HEADER.exec(text);
  if (!head) return reject('bad_frame', `not an IW frame: ${preview(frame)}`);
  const type = head[1]!;
  const rest = text.slice(2 + type.length);
  switch (type) {
    case 'AP00':
      return /^\d{15}$/.test(rest) ? accept({ type, kind: 'login', imei: rest }) : reject('schema', `AP00 login: ${JSON.stringify(rest.slice(0, 40))} is not a 15-digit IMEI`);
    case 'AP01':
    case 'AP10':
      return decodeLocation(type, rest);
    case 'AP49':
    case 'APHT':
    case 'APHP':
    case 'AP50':
      return decodeVital(type, rest);
    default:
      return accept({ type, kind: 'other', content: rest });
  }
}

function decodeLocation(type: string, rest: string): Decoded<IwMessage> {
  const m = LOCATION.exec(rest);
  if (!m) return reject('bad_frame', `${type} location does not match yymmdd A|V ddmm.mmmmN dddmm.mmmmE …: ${JSON.stringify(rest.slice(0, 60))}`);
  const latitude = (Number(m[3]) + Number(m[4]) / 60) * (m[5] === 'S' ? -1 : 1);
  const longitude = (Number(m[6]) + Number(m[7]) / 60) * (m[8] === 'W' ? -1 : 1);
  const course = Number(m[11]);
  if (latitude > 90 || longitude > 180 || Number.isNaN(course)) return reject('schema', `${type}: coordinates or course out of range`);
  const tail = m[19]!.split(',');
  const wifi = tail.find((f) => f.includes('|'));
  const position: IwPosition = {
    date: m[1]!, time: m[10]!, gpsValid: m[2] === 'A',
    latitude, longitude, speedKmh: Number(m[9]), courseDeg: course,
    gsmSignal: Number(m[12]), satellites: Number(m[13]), battery: Math.min(Number(m[14]), 100),
    cell: { mcc: Number(m[15]), mnc: Number(m[16]), lac: Number(m[17]), cid: Number(m[18]) },
    wifiCount: wifi ? wifi.split('&').filter((w) => w.length > 0).length : 0,
  };
  if (type === 'AP01') return accept({ type, kind: 'position', position });
  const alarmCode = tail[1] ?? '';
  const alarm = ALARM_CODES[alarmCode];
  return accept(alarm ? { type, kind: 'alarm', position, alarmCode, alarm } : { type, kind: 'alarm', position, alarmCode });
}

const NUM = /^\d+(?:\.\d+)?$/;

/** `AP49,hr` `APHT,hr,sys,dia` `APHP,hr,sys,dia,spo2,sugar,temp,…` `AP50,temp,battery`. */
function decodeVital(type: string, rest: string): Decoded<IwMessage> {
  const v = rest.startsWith(',') ? rest.slice(1).split(',') : [];
  const num = (i: number): number | undefined => (v[i] !== undefined && NUM.test(v[i]!) ? Number(v[i]) : undefined);
  const need = { AP49: 1, APHT: 3, APHP: 4, AP50: 2 }[type] ?? 1;
  for (let i = 0; i < need; i++) {
    if (num(i) === undefined) return reject('schema', `${type}: field ${i + 1} ${JSON.stringify(v[i] ?? '')} is not a number`);
  }
  const out: Record<string, number> = {};
  const put = (key: string, value: number | undefined): void => { if (value !== undefined) out[key] = value; };
  if (type === 'AP50') {
    put('bodyTempC', num(0));
    const battery = num(1);
    if (battery !== undefined && battery <= 100) put('battery', battery);
  } else {
    put('heartRate', num(0));
    put('systolic', num(1));
    put('diastolic', num(2));
    if (type === 'APHP') {
      put('spo2', num(3));
      put('bodyTempC', num(5));
    }
  }
  return accept({ type, kind: 'vital', ...out });
}
