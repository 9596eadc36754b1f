import type { DeviceFields } from '../../../contract/index.ts';
import type { IwMessage, IwPosition } from './decode.ts';

export interface IwFields {
  fields: DeviceFields;
  ts?: number;
  kind: 'login' | 'position' | 'alarm' | 'vital' | 'other';
}

/**
 * An IW message in the contract vocabulary; same rules as `watchToFields` (sos/fall only true,
 * heart rate 0 = no reading, coordinates only with a fix). IW times are read as UTC, as traccar
 * does; pass `tzOffsetMinutes` for watches set to local time.
 */
export function iwToFields(msg: IwMessage, opts: { tzOffsetMinutes?: number } = {}): IwFields {
  const tz = opts.tzOffsetMinutes ?? 0;
  switch (msg.kind) {
    case 'login':
    case 'other':
      return { fields: {}, kind: msg.kind };
    case 'position':
      return { ...positionFields(msg.position, tz), kind: 'position' };
    case 'alarm': {
      const base = positionFields(msg.position, tz);
      if (msg.alarm === 'sos') base.fields.sos = true;
      if (msg.alarm === 'fall_down') base.fields.fall = true;
      return { ...base, kind: 'alarm' };
    }
    case 'vital': {
      const fields: DeviceFields = {};
      if (msg.heartRate !== undefined && msg.heartRate > 0 && msg.heartRate <= 300) fields.heart_rate = msg.heartRate;
      if (msg.spo2 !== undefined && msg.spo2 > 0 && msg.spo2 <= 100) fields.spo2 = msg.spo2;
      if (msg.battery !== undefined) fields.battery = msg.battery;
      return { fields, kind: 'vital' };
    }
  }
}

function positionFields(p: IwPosition, tz: number): { fields: DeviceFields; ts?: number } {
  const fields: DeviceFields = { battery: p.battery };
  if (p.gpsValid) {
    fields.latitude = p.latitude;
    fields.longitude = p.longitude;
  }
  const ts = iwTimeToEpoch(p.date, p.time, tz);
  return ts === undefined ? { fields } : { fields, ts };
}

export function iwTimeToEpoch(yymmdd: string, hhmmss: string, tzOffsetMinutes = 0): number | undefined {
  const [yy, mo, dd] = [0, 2, 4].map((i) => Number(yymmdd.slice(i, i + 2))) as [number, number, number];
  const [h, mi, s] = [0, 2, 4].map((i) => Number(hhmmss.slice(i, i + 2))) as [number, number, number];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const local = Date.UTC(2000 + yy, mo - 1, dd, h, mi, s);
  const check = new Date(local);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== dd) return undefined;
  return local - tzOffsetMinutes * 60_000;
}
