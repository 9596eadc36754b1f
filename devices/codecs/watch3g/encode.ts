import { escapeWatch } from './escape.ts';
import { encodeWatchEnvelope } from './reply.ts';
import { encodeWatchStatus } from './status-bits.ts';
import { epochToWatchTime, DEFAULT_TZ_OFFSET_MINUTES } from './device-time.ts';

/** What a simulated watch sends; the inverse of `decodeWatchFrame` for the types it covers. */
export interface WatchAddress { vendor?: string; deviceId: string; index?: string }

export type PositionType = 'UD' | 'UD2' | 'UD3' | 'UD_LTE' | 'UD_WCDMA' | 'WT';
export type AlarmType = 'AL' | 'AL_LTE';

export interface PositionReport {
  /** Device time (epoch ms), written in the watch's zone. */
  at: number;
  tzOffsetMinutes?: number;
  latitude?: number;
  longitude?: number;
  /** GPS fix; default true when coordinates are given. */
  gpsValid?: boolean;
  speedKmh?: number;
  battery?: number;
  steps?: number;
  sos?: boolean;
  fall?: boolean;
  takenOff?: boolean;
  lowBattery?: boolean;
}

export type WatchFrameSpec = WatchAddress & (
  | { type: 'LK'; steps?: number; rolls?: number; battery?: number }
  | ({ type: PositionType | AlarmType } & PositionReport)
  | { type: 'heart' | 'PULSE'; heartRate: number }
  | { type: 'oxygen'; spo2: number }
  /** Any other type with a binary payload (escaped on the wire, e.g. `TK` voice). */
  | { type: 'raw'; rawType: string; payload?: Buffer }
);

export function encodeWatchFrame(spec: WatchFrameSpec): Buffer {
  const addr = { vendor: spec.vendor ?? '3G', deviceId: spec.deviceId, ...(spec.index === undefined ? {} : { index: spec.index }) };
  if (spec.type === 'raw') {
    const payload = spec.payload;
    if (payload === undefined) return encodeWatchEnvelope(addr, Buffer.from(spec.rawType, 'latin1'));
    const head = Buffer.from(`${spec.rawType},`, 'latin1');
    return encodeWatchEnvelope(addr, Buffer.concat([head, escapeWatch(payload)]), head.length + payload.length);
  }
  return encodeWatchEnvelope(addr, Buffer.from(textContent(spec), 'latin1'));
}

function textContent(spec: Exclude<WatchFrameSpec, { type: 'raw' }>): string {
  switch (spec.type) {
    case 'LK': {
      if (spec.steps === undefined && spec.rolls === undefined && spec.battery === undefined) return 'LK';
      return `LK,${spec.steps ?? 0},${spec.rolls ?? 0},${spec.battery ?? ''}`.replace(/,$/, '');
    }
    case 'heart':
    case 'PULSE':
      return `${spec.type},${spec.heartRate}`;
    case 'oxygen':
      return `oxygen,1,${spec.spo2}`;
    default:
      return `${spec.type},${positionBody(spec)}`;
  }
}

function positionBody(r: PositionReport): string {
  const { date, time } = epochToWatchTime(r.at, r.tzOffsetMinutes ?? DEFAULT_TZ_OFFSET_MINUTES);
  const lat = r.latitude ?? 0;
  const lon = r.longitude ?? 0;
  const valid = r.gpsValid ?? (r.latitude !== undefined && r.longitude !== undefined);
  const status = encodeWatchStatus({
    ...(r.sos === undefined ? {} : { sos: r.sos }),
    ...(r.fall === undefined ? {} : { fall: r.fall }),
    ...(r.takenOff === undefined ? {} : { takenOff: r.takenOff }),
    ...(r.lowBattery === undefined ? {} : { lowBattery: r.lowBattery }),
  });
  return [
    date, time, valid ? 'A' : 'V',
    Math.abs(lat).toFixed(6), lat < 0 ? 'S' : 'N',
    Math.abs(lon).toFixed(6), lon < 0 ? 'W' : 'E',
    (r.speedKmh ?? 0).toFixed(2), '0.0', '0.0', valid ? '6' : '0', '80',
    String(r.battery ?? 100), String(r.steps ?? 0), '0', status,
    '0', '0', '0', // no cells, timing advance, no Wi-Fi
  ].join(',');
}
