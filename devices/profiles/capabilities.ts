import type { Capability, Z2mAlias } from './define.ts';

/**
 * Composable capabilities (zigbee-herdsman-converters' modernExtend style): each contributes
 * fields, the event kinds those fields can raise, Zigbee2MQTT aliases, the names carriers' IoT
 * platforms report them under (service data of CTWing / OneNET products) and a quiet sample state.
 * `device.offline` is added by `defineProfile` for every profile.
 */

// --- fire -------------------------------------------------------------------------------------

export function smokeAlarm(): Capability {
  return {
    name: 'smokeAlarm', fields: ['smoke'], raises: ['fire.smoke', 'fire.confirmed'], sample: { smoke: false },
    // CTWing's standard smoke-detector template (smoke_state) and its common variant.
    platformNames: { smoke_state: { field: 'smoke', map: { 0: false, 1: true } }, smoke_alarm: { field: 'smoke', map: { 0: false, 1: true } } },
  };
}

/** Develco HESZB-120 publishes its heat alarm as `smoke`, Heiman HM-5HA-E as `alarm` (README §1). */
export const HEAT_AS_SMOKE: Z2mAlias = { property: 'smoke', field: 'heat' };
export const HEAT_AS_ALARM: Z2mAlias = { property: 'alarm', field: 'heat' };

export function heatAlarm(): Capability {
  return {
    name: 'heatAlarm',
    fields: ['heat'],
    raises: ['fire.heat', 'fire.confirmed'],
    z2mAliases: [HEAT_AS_SMOKE, HEAT_AS_ALARM],
    sample: { heat: false },
  };
}

export function temperature(): Capability {
  return { name: 'temperature', fields: ['temperature'], raises: [], sample: { temperature: 21.5 } };
}

/** The detector's test button: a `fire.test` record, never a fire. */
export function selfTest(): Capability {
  return { name: 'selfTest', fields: ['test'], raises: ['fire.test'], sample: { test: false }, platformNames: { self_test: { field: 'test', map: { 0: false, 1: true } } } };
}

export function waterFlow(): Capability {
  return { name: 'waterFlow', fields: ['water_flow'], raises: ['fire.water_flow', 'fire.confirmed'], sample: { water_flow: false } };
}

export function pressure(): Capability {
  return { name: 'pressure', fields: ['pressure'], raises: [], sample: { pressure: 450 } };
}

/** A closed sprinkler control valve is a supervisory (tamper) condition, not a fire. */
export function supervisedValve(): Capability {
  return { name: 'supervisedValve', fields: ['valve'], raises: ['device.tamper'], sample: { valve: 'open' } };
}

// --- calls and wearables ----------------------------------------------------------------------

/** Boolean SOS encodings of Zigbee buttons: HS1RC-M `emergency`, iasZoneAlarm sos `sos` (README §1). */
export const SOS_AS_EMERGENCY: Z2mAlias = { property: 'emergency', field: 'action', whenTrue: 'emergency' };
export const SOS_AS_SOS: Z2mAlias = { property: 'sos', field: 'action', whenTrue: 'emergency' };

export function callButton(): Capability {
  return {
    name: 'callButton',
    fields: ['action'],
    raises: ['call.button', 'device.untested'],
    testable: true,
    z2mAliases: [SOS_AS_EMERGENCY, SOS_AS_SOS],
    platformNames: { sos_state: { field: 'action', map: { 1: 'emergency' } } },
    sample: { action: 'emergency' },
  };
}

export function wearableSos(): Capability {
  return { name: 'wearableSos', fields: ['sos'], raises: ['wearable.sos', 'device.untested'], testable: true, sample: { sos: false } };
}

export function fallDetection(): Capability {
  return { name: 'fallDetection', fields: ['fall'], raises: ['wearable.fall'], sample: { fall: false } };
}

export function heartRate(): Capability {
  return { name: 'heartRate', fields: ['heart_rate'], raises: ['vital.heart_rate'], sample: { heart_rate: 72 } };
}

export function spo2(): Capability {
  return { name: 'spo2', fields: ['spo2'], raises: ['vital.spo2'], sample: { spo2: 97 } };
}

/** A rising step count proves the wearer moves. */
export function stepCounter(): Capability {
  return {
    name: 'stepCounter',
    fields: ['steps'],
    raises: ['inactivity.no_activity'],
    activitySignals: ['steps'],
    sample: { steps: 1234 },
  };
}

export function wornDetection(): Capability {
  return { name: 'wornDetection', fields: ['worn'], raises: ['wearable.not_worn'], sample: { worn: true } };
}

export function location(): Capability {
  return {
    name: 'location',
    fields: ['latitude', 'longitude'],
    raises: ['wearable.geofence_exit'],
    sample: { latitude: 31.2304, longitude: 121.4737 },
  };
}

// --- activity ---------------------------------------------------------------------------------

export function occupancy(): Capability {
  return {
    name: 'occupancy',
    fields: ['occupancy'],
    raises: ['inactivity.no_activity'],
    activitySignals: ['occupancy'],
    sample: { occupancy: false },
  };
}

/** Tuya _TZE204_eaulras5 radars publish presence as `occupancy` (z2m-029). */
export const PRESENCE_AS_OCCUPANCY: Z2mAlias = { property: 'occupancy', field: 'presence' };

export function presence(): Capability {
  return {
    name: 'presence',
    fields: ['presence'],
    raises: ['inactivity.no_activity'],
    activitySignals: ['presence'],
    z2mAliases: [PRESENCE_AS_OCCUPANCY],
    sample: { presence: true },
  };
}

export function fallRadar(): Capability {
  return { name: 'fallRadar', fields: ['fall_down_status'], raises: ['fall.detected'], sample: { fall_down_status: 'none' } };
}

/** Bed pressure mats: getting up at night starts the bed-exit timer. */
export function bedOccupancy(): Capability {
  return {
    name: 'bedOccupancy',
    fields: ['in_bed'],
    raises: ['inactivity.bed_exit', 'inactivity.no_activity'],
    activitySignals: ['in_bed'],
    sample: { in_bed: true },
  };
}

/** `contact: true` = closed (README §1). Opening or closing a door proves movement. */
export function contact(): Capability {
  return {
    name: 'contact',
    fields: ['contact'],
    raises: ['inactivity.no_activity'],
    activitySignals: ['contact'],
    sample: { contact: true },
  };
}

export function waterLeak(): Capability {
  return { name: 'waterLeak', fields: ['water_leak'], raises: ['water.leak'], sample: { water_leak: false } };
}

// --- common -----------------------------------------------------------------------------------

export function battery(): Capability {
  return {
    name: 'battery', fields: ['battery', 'battery_low'], raises: ['device.battery_low'], sample: { battery: 90, battery_low: false },
    // The published CTWing event example reports low battery as `battery_state: 1`.
    platformNames: { battery_value: { field: 'battery' }, battery_level: { field: 'battery' }, battery_state: { field: 'battery_low', map: { 0: false, 1: true } } },
  };
}

export function tamper(): Capability {
  return {
    name: 'tamper', fields: ['tamper'], raises: ['device.tamper'], sample: { tamper: false },
    platformNames: { tamper_alarm: { field: 'tamper', map: { 0: false, 1: true } }, tamper_state: { field: 'tamper', map: { 0: false, 1: true } } },
  };
}

/** IAS zone status bit 6 `trouble` is the device's own fault report (README §1). */
export const FAULT_AS_TROUBLE: Z2mAlias = { property: 'trouble', field: 'fault' };

export function fault(): Capability {
  // error_code: 0 is "no fault", any other code a fault.
  return { name: 'fault', fields: ['fault'], raises: ['device.fault'], z2mAliases: [FAULT_AS_TROUBLE], platformNames: { error_code: { field: 'fault', map: { 0: false }, otherwise: true } }, sample: { fault: false } };
}
