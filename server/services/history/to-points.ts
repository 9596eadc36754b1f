import type { Event, Reading } from '../../../contract/index.ts';
import type { HistoryBatch, ReadingPoint, StatusPoint } from './types.ts';

/** Fields that describe the device rather than the world: kept in `device_status`, not `reading`. */
const STATUS_ONLY = new Set(['battery', 'battery_low', 'tamper', 'fault']);

/**
 * A gateway's readings as history points. A state report is the device speaking: `seen` (its
 * heartbeat) and `online`, with its battery, tamper and fault in `device_status`; what it senses
 * in `reading`; `test: true` is a self-test. An availability message says online or offline only
 * (the broker's will speaks for a device that cannot).
 */
export function readingsToPoints(readings: readonly Reading[]): HistoryBatch {
  const out: HistoryBatch = { readings: [], status: [] };
  for (const r of readings) {
    if (r.type === 'availability') {
      out.status.push({ siteId: r.siteId, deviceId: r.deviceId, ts: r.ts, fields: { online: r.online } });
      continue;
    }
    const status: StatusPoint['fields'] = { seen: true, online: true };
    const sensed: ReadingPoint['fields'] = {};
    for (const [field, value] of Object.entries(r.fields)) {
      if (value === undefined) continue;
      if (STATUS_ONLY.has(field)) (status as Record<string, unknown>)[field] = value;
      else sensed[field] = value;
    }
    if (r.fields.test === true) status.self_test = true;
    out.status.push({ siteId: r.siteId, deviceId: r.deviceId, ts: r.ts, fields: status });
    if (Object.keys(sensed).length > 0) out.readings.push({ siteId: r.siteId, deviceId: r.deviceId, ts: r.ts, fields: sensed });
  }
  return out;
}

/** What a `device.*` condition says about the device's status while it is raised. */
const CONDITION_FIELD: Partial<Record<Event['kind'], 'online' | 'battery_low' | 'tamper' | 'fault'>> = {
  'device.offline': 'online',
  'device.battery_low': 'battery_low',
  'device.tamper': 'tamper',
  'device.fault': 'fault',
};

/**
 * Status facts carried by events (the durable lane: the gateway's supervision decides offline,
 * its rules decide battery low, a self-test is recorded as `fire.test`). These reach the history
 * even when telemetry samples were dropped.
 */
export function eventsToPoints(events: readonly Event[]): StatusPoint[] {
  const out: StatusPoint[] = [];
  for (const e of events) {
    if (!e.deviceId) continue;
    const at = { siteId: e.siteId, deviceId: e.deviceId, ts: e.ts };
    if (e.kind === 'fire.test' && e.action === 'record') {
      out.push({ ...at, fields: { self_test: true, seen: true } });
      continue;
    }
    const field = CONDITION_FIELD[e.kind];
    if (!field || e.action === 'record') continue;
    const raised = e.action === 'raise';
    // offline raised = online false; the others are true while raised.
    out.push({ ...at, fields: { [field]: field === 'online' ? !raised : raised } });
  }
  return out;
}
