import type { Event } from '../../contract/index.ts';
import {
  encodeComponentStatusData, encodeDescription, encodeSystemOperationData, encodeSystemStatusData, encodeTransmissionDeviceStatusData,
} from '../codecs/gb26875/index.ts';

/**
 * An event as GB/T 26875.3 application data for the city's fire remote-monitoring centre (pure).
 * The centre takes building fire facilities only: fire alarms and restores of detectors and flow
 * switches (type 2, component status), a cross-detector fire (type 1, system status), fire tests
 * (type 4, system operation "test") and the gateway's own troubles (type 21, device status).
 * Care events (calls, falls, inactivity) are not fire facilities and return null.
 */
export interface GbComponent {
  /** GB/T 26875.3 system type: 1 fire alarm system, 12 sprinkler system, … */
  systemType: number;
  systemAddress: number;
  /** Component type: 40 smoke detector, 30 heat detector, 96 water flow indicator, … */
  componentType: number;
  componentAddress: number;
  /** Up to 31 bytes of GB18030 (the site's device name); cut or dropped if longer. */
  description: string;
}

export interface GbMappingOptions {
  /** The fire component behind a device event, null when the device is no fire facility. */
  componentOf: (event: Event) => GbComponent | null;
  /** Offset of the centre's clock from UTC in minutes (frames carry wall time); default +08:00. */
  tzOffsetMinutes?: number;
}

/** Profiles that are fire facilities, with their GB/T 26875.3 system and component types. */
export const GB_COMPONENT_OF_PROFILE: Readonly<Record<string, { systemType: number; componentType: number }>> = {
  'smoke-detector': { systemType: 1, componentType: 40 },
  'heat-detector': { systemType: 1, componentType: 30 },
  'sprinkler-flow-switch': { systemType: 12, componentType: 96 },
};

const FIRE_ALARM_KINDS = new Set(['fire.smoke', 'fire.heat', 'fire.water_flow']);
const FAULT_KINDS = new Set(['device.fault', 'device.offline', 'device.tamper']);

export function eventToGb26875(event: Event, opts: GbMappingOptions): Buffer | null {
  const tz = opts.tzOffsetMinutes;
  const time = event.ts;
  const raise = event.action !== 'clear';
  if (event.kind === 'fire.confirmed') {
    return encodeSystemStatusData([{ systemType: 1, systemAddress: 0, status: raise ? { fire_alarm: true } : { normal_running: true }, time }], tz);
  }
  if (event.kind === 'gateway.trouble') {
    return encodeTransmissionDeviceStatusData([{ status: raise ? { fault: true } : { normal_running: true }, time }], tz);
  }
  const fireAlarm = FIRE_ALARM_KINDS.has(event.kind);
  const fault = FAULT_KINDS.has(event.kind);
  const powerFault = event.kind === 'device.battery_low';
  if (!fireAlarm && !fault && !powerFault && event.kind !== 'fire.test') return null;
  const c = opts.componentOf(event);
  if (!c) return null;
  if (event.kind === 'fire.test') {
    return encodeSystemOperationData([{ systemType: c.systemType, systemAddress: c.systemAddress, operation: { test: true }, time }], tz);
  }
  const status = !raise ? { normal_running: true } : fireAlarm ? { fire_alarm: true } : fault ? { fault: true } : { power_fault: true };
  // A name that does not fit 31 bytes of GB18030 is dropped, never a reason to lose the alarm.
  const description = encodeDescription(c.description) ? c.description : '';
  return encodeComponentStatusData([{ ...c, description, status, time }], tz);
}
