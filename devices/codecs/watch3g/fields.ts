import type { DeviceFields } from '../../../contract/index.ts';
import type { WatchMessage, WatchPosition } from './message.ts';
import { DEFAULT_TZ_OFFSET_MINUTES, watchTimeToEpoch } from './device-time.ts';

export type WatchFieldsKind = 'keepalive' | 'position' | 'alarm' | 'vital' | 'other';

export interface WatchFields {
  fields: DeviceFields;
  /** Device time (epoch ms) when the message carries one; the gateway uses its clock otherwise. */
  ts?: number;
  /** Every kind proves the link alive; `keepalive` (LK) carries nothing else but battery/steps. */
  kind: WatchFieldsKind;
}

export interface WatchFieldsOptions {
  /** The zone the watch is set to (its time has none on the wire). Default +480 (China). */
  tzOffsetMinutes?: number;
}

/**
 * A decoded watch message in the contract's field vocabulary (contract/fields.ts: a missing key
 * means unknown, never false).
 * - `sos` / `fall` are only ever `true`: they are momentary alarms, and a `false` from a report
 *   that merely lacks the bit must not look like a cancel.
 * - `worn` comes both ways, but only from an 8-digit STATUS: old firmware's 4 digits cannot
 *   carry bit 20, so their silence says nothing about the strap.
 * - `heart_rate` 0 means "no reading", not cardiac arrest (fixture README §4): omitted.
 * - Coordinates only with a GPS fix (`A`); `V` positions are cell/Wi-Fi estimates or zeros.
 */
export function watchToFields(msg: WatchMessage, opts: WatchFieldsOptions = {}): WatchFields {
  const tz = opts.tzOffsetMinutes ?? DEFAULT_TZ_OFFSET_MINUTES;
  switch (msg.kind) {
    case 'keepalive': {
      const fields: DeviceFields = {};
      if (msg.battery !== undefined) fields.battery = msg.battery;
      if (msg.steps !== undefined) fields.steps = msg.steps;
      return { fields, kind: 'keepalive' };
    }
    case 'position':
      return { ...positionFields(msg.position, tz), kind: 'position' };
    case 'alarm':
      return msg.position ? { ...positionFields(msg.position, tz), kind: 'alarm' } : { fields: {}, kind: 'alarm' };
    case 'vital': {
      const fields: DeviceFields = {};
      if (msg.heartRate !== undefined && msg.heartRate > 0 && msg.heartRate <= 300) fields.heart_rate = msg.heartRate;
      if (msg.spo2 !== undefined && msg.spo2 > 0 && msg.spo2 <= 100) fields.spo2 = msg.spo2;
      return { fields, kind: 'vital' };
    }
    case 'other':
      return { fields: {}, kind: 'other' };
  }
}

function positionFields(p: WatchPosition, tz: number): { fields: DeviceFields; ts?: number } {
  const fields: DeviceFields = {};
  const s = p.status;
  if (s.sos) fields.sos = true;
  if (s.fall) fields.fall = true;
  if (s.digits >= 6) fields.worn = !s.takenOff;
  fields.battery_low = s.lowBattery;
  if (p.battery !== undefined) fields.battery = p.battery;
  if (p.steps !== undefined) fields.steps = p.steps;
  if (p.gpsValid) {
    fields.latitude = p.latitude;
    fields.longitude = p.longitude;
  }
  const ts = watchTimeToEpoch(p.date, p.time, tz);
  return ts === undefined ? { fields } : { fields, ts };
}
