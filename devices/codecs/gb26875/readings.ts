import type { DeviceFields } from '../../../contract/index.ts';
import type { GbFrame } from './frame-decoder.ts';
import type { GbInfoUnit } from './info-units.ts';

/**
 * What a decoded frame says about the site's devices. Addresses match the site file's
 * `gb26875: { systemAddress, componentAddress }`: a component is (system, component address);
 * a panel (system status, operations) is (system, 0); the transmission device itself is (0, 0).
 *
 * Deliberate choices:
 * - Status bit 0 = 0 means "test state", but the reference codec's own fire alarm sample is
 *   0x0002 (gb-001). A fire alarm is forwarded as a fire alarm whatever bit 0 says; `test` comes
 *   only from a self-check or test operation (types 4 and 24).
 * - The hazard follows the component type on the wire: heat detectors (30–37) → `heat`, the
 *   water-flow indicator (96) → `water_flow` (its activation is reported as alarm, start or
 *   feedback), gas detectors (10–13) → none (no field in the vocabulary), anything else with the
 *   fire alarm bit → `smoke` (the panel says fire; a generic or manual point has no better field).
 */
export interface GbDeviceAddress {
  systemAddress: number;
  componentAddress: number;
}

export interface GbReading {
  address: GbDeviceAddress;
  fields: DeviceFields;
  /** Device time: the object's time label, else the frame's, else `receivedAt`. */
  ts: number;
  description?: string;
  /** Which information object it came from. */
  source: GbInfoUnit['kind'];
}

export const GB_TRANSMISSION_DEVICE_ADDRESS: GbDeviceAddress = { systemAddress: 0, componentAddress: 0 };

type Hazard = 'smoke' | 'heat' | 'water_flow' | null;

function hazardOf(componentType: number): Hazard {
  if (componentType >= 30 && componentType <= 37) return 'heat';
  if (componentType === 96) return 'water_flow';
  if (componentType >= 10 && componentType <= 13) return null;
  return 'smoke';
}

/** Types whose quiet reports should clear the hazard field too (detectors, call points, flow indicators). */
function reportsHazardWhenQuiet(t: number): boolean {
  return (t >= 23 && t <= 25) || (t >= 30 && t <= 37) || (t >= 40 && t <= 44) || (t >= 50 && t <= 53)
    || t === 61 || t === 62 || t === 69 || t === 96;
}

const anyOf = (flags: Record<string, boolean>, names: readonly string[]) => names.some((n) => flags[n] === true);

function unitReading(unit: GbInfoUnit, ts: (t: number | null) => number): GbReading | undefined {
  switch (unit.kind) {
    case 'component_status': {
      const s = unit.status;
      const fields: DeviceFields = { fault: anyOf(s, ['fault', 'power_fault']) };
      const hazard = hazardOf(unit.componentType);
      const alarm = hazard === 'water_flow' ? anyOf(s, ['fire_alarm', 'started', 'feedback']) : s.fire_alarm === true;
      if (hazard && (alarm || reportsHazardWhenQuiet(unit.componentType))) fields[hazard] = alarm;
      return { address: { systemAddress: unit.systemAddress, componentAddress: unit.componentAddress }, fields, ts: ts(unit.time), description: unit.description, source: unit.kind };
    }
    case 'component_analog_value': {
      const fields: DeviceFields = {};
      if (unit.analogType === 3 && unit.value >= -60 && unit.value <= 1000) fields.temperature = unit.value;
      const kPa = unit.analogType === 4 ? Math.round(unit.raw * 100) : unit.analogType === 5 ? unit.value : undefined;
      if (kPa !== undefined && kPa >= 0 && kPa <= 100_000) fields.pressure = kPa;
      if (Object.keys(fields).length === 0) return undefined;
      return { address: { systemAddress: unit.systemAddress, componentAddress: unit.componentAddress }, fields, ts: ts(unit.time), source: unit.kind };
    }
    case 'system_status':
      return {
        address: { systemAddress: unit.systemAddress, componentAddress: 0 },
        fields: { smoke: unit.status.fire_alarm === true, fault: anyOf(unit.status, ['fault', 'main_power_fault', 'backup_power_fault', 'bus_fault']) },
        ts: ts(unit.time),
        source: unit.kind,
      };
    case 'transmission_device_status':
      return {
        address: GB_TRANSMISSION_DEVICE_ADDRESS,
        fields: { smoke: unit.status.fire_alarm === true, fault: anyOf(unit.status, ['fault', 'main_power_fault', 'backup_power_fault', 'monitoring_link_fault', 'panel_link_fault']) },
        ts: ts(unit.time),
        source: unit.kind,
      };
    case 'system_operation':
    case 'transmission_device_operation': {
      if (!anyOf(unit.operation, ['self_check', 'test'])) return undefined;
      const address = unit.kind === 'system_operation' ? { systemAddress: unit.systemAddress, componentAddress: 0 } : GB_TRANSMISSION_DEVICE_ADDRESS;
      return { address, fields: { test: true }, ts: ts(unit.time), source: unit.kind };
    }
    default:
      return undefined;
  }
}

/** Device readings of one frame, in object order; frames other than send data / response give none. */
export function gbToReadings(frame: GbFrame, receivedAt: number): GbReading[] {
  if (frame.command !== 2 && frame.command !== 5) return [];
  const ts = (t: number | null) => t ?? frame.time ?? receivedAt;
  const readings: GbReading[] = [];
  for (const unit of frame.units) {
    const r = unitReading(unit, ts);
    if (r) readings.push(r);
  }
  return readings;
}
