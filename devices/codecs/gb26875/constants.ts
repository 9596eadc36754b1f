/**
 * Code tables of GB/T 26875.3-2011 (fixture README §3; names follow the shootingfans Go codec
 * and dgiot's tables, since the standard's own text is not in our corpus).
 */

/** Control-unit command byte (GB/T 26875.3 "命令字节"). 7–127 reserved, 128–255 vendor. */
export const GB_COMMANDS = {
  1: 'control',
  2: 'send_data',
  3: 'confirm',
  4: 'request',
  5: 'response',
  6: 'deny',
} as const;
export type GbCommand = keyof typeof GB_COMMANDS;
export type GbCommandName = (typeof GB_COMMANDS)[GbCommand];

export function isGbCommand(n: number): n is GbCommand {
  return n >= 1 && n <= 6;
}

/** Application data type flags ("类型标志"): 1–8 panel, 21–28 transmission device, 61–91 centre's queries. */
export const GB_APP_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'system_status',
  2: 'component_status',
  3: 'component_analog_value',
  4: 'system_operation',
  5: 'system_software_version',
  6: 'system_config',
  7: 'component_config',
  8: 'system_time',
  21: 'transmission_device_status',
  24: 'transmission_device_operation',
  25: 'transmission_device_software_version',
  26: 'transmission_device_config',
  28: 'transmission_device_time',
  61: 'read_system_status',
  62: 'read_component_status',
  63: 'read_component_analog_value',
  64: 'read_system_operation',
  65: 'read_system_software_version',
  66: 'read_system_config',
  67: 'read_component_config',
  68: 'read_system_time',
  81: 'read_transmission_device_status',
  84: 'read_transmission_device_operation',
  85: 'read_transmission_device_software_version',
  86: 'read_transmission_device_config',
  88: 'read_transmission_device_time',
  89: 'initialize_transmission_device',
  90: 'sync_transmission_device_time',
  91: 'inspection',
};

export const GB_SYSTEM_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'general',
  1: 'fire_alarm_system',
  10: 'linkage_control_system',
  11: 'hydrant_system',
  12: 'sprinkler_system',
  13: 'gas_extinguishing_system',
  14: 'water_spray_system_pump',
  15: 'water_spray_system_pipe',
  16: 'foam_system',
  17: 'dry_powder_system',
  18: 'smoke_control_system',
  19: 'fire_door_shutter_system',
  20: 'fire_lift',
  21: 'emergency_broadcast',
  22: 'emergency_lighting',
  23: 'fire_power_supply',
  24: 'fire_telephone',
};

export const GB_COMPONENT_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'general',
  1: 'fire_alarm_controller',
  10: 'combustible_gas_detector',
  11: 'combustible_gas_detector',
  12: 'combustible_gas_detector',
  13: 'combustible_gas_detector',
  23: 'manual_call_point',
  24: 'hydrant_button',
  25: 'fire_detector',
  30: 'heat_detector',
  31: 'heat_detector',
  32: 'heat_detector',
  33: 'heat_detector',
  34: 'heat_detector',
  35: 'heat_detector',
  36: 'heat_detector',
  37: 'heat_detector',
  40: 'smoke_detector',
  41: 'smoke_detector',
  42: 'smoke_detector',
  43: 'smoke_detector',
  44: 'smoke_detector',
  50: 'multi_sensor_detector',
  51: 'multi_sensor_detector',
  52: 'multi_sensor_detector',
  53: 'multi_sensor_detector',
  61: 'flame_detector',
  62: 'flame_detector',
  69: 'flame_detector',
  85: 'input_module',
  86: 'output_module',
  87: 'input_output_module',
  88: 'relay_module',
  91: 'fire_pump',
  96: 'water_flow_indicator',
  97: 'signal_valve',
  98: 'alarm_valve',
  99: 'pressure_switch',
  102: 'fire_door',
  111: 'smoke_exhaust_fan',
  117: 'shutter_controller',
  121: 'alarm_device',
};

/** Analog types of type-3 objects: name, unit, and the scale of the raw i16. */
export const GB_ANALOG_TYPES: Readonly<Record<number, { name: string; unit: string; scale: number }>> = {
  1: { name: 'count', unit: '', scale: 1 },
  2: { name: 'height', unit: 'm', scale: 0.01 },
  3: { name: 'temperature', unit: '°C', scale: 0.1 },
  4: { name: 'pressure', unit: 'MPa', scale: 0.1 },
  5: { name: 'pressure', unit: 'kPa', scale: 0.1 },
  6: { name: 'gas_concentration', unit: '%LEL', scale: 0.1 },
  7: { name: 'time', unit: 's', scale: 1 },
  8: { name: 'voltage', unit: 'V', scale: 0.1 },
  9: { name: 'current', unit: 'A', scale: 0.1 },
  10: { name: 'flow', unit: 'L/s', scale: 0.1 },
  11: { name: 'air_flow', unit: 'm³/min', scale: 0.1 },
  12: { name: 'wind_speed', unit: 'm/s', scale: 1 },
};

/** Bit names, index = bit number; bits not listed decode as `reserved_bitN` when set. */
export const SYSTEM_STATUS_BITS = [
  'normal_running', 'fire_alarm', 'fault', 'disabled', 'supervisory', 'started', 'feedback', 'delay',
  'main_power_fault', 'backup_power_fault', 'bus_fault', 'manual_mode', 'config_changed', 'reset',
] as const;
/** Component status: bits 0–7 as the system's, 8 power fault, 9–15 reserved. */
export const COMPONENT_STATUS_BITS = [
  'normal_running', 'fire_alarm', 'fault', 'disabled', 'supervisory', 'started', 'feedback', 'delay',
  'power_fault',
] as const;
export const TRANSMISSION_DEVICE_STATUS_BITS = [
  'normal_running', 'fire_alarm', 'fault', 'main_power_fault', 'backup_power_fault',
  'monitoring_link_fault', 'panel_link_fault',
] as const;
/** Panel operation flags (type 4): bit 5 is the operator's confirm. */
export const SYSTEM_OPERATION_BITS = [
  'reset', 'silence', 'manual_alarm', 'alarm_cleared', 'self_check', 'confirm', 'test',
] as const;
/** Transmission-device operation flags (type 24): bit 5 is the inspection reply (查岗应答). */
export const TRANSMISSION_DEVICE_OPERATION_BITS = [
  'reset', 'silence', 'manual_alarm', 'alarm_cleared', 'self_check', 'inspection_reply', 'test',
] as const;

export type Flags = Record<string, boolean>;

/** Every named bit as true/false, plus `reserved_bitN: true` for set bits without a name. */
export function decodeFlags(value: number, width: 8 | 16, names: readonly string[]): Flags {
  const flags: Flags = {};
  for (let bit = 0; bit < width; bit++) {
    const set = ((value >> bit) & 1) === 1;
    const name = names[bit];
    if (name !== undefined) flags[name] = set;
    else if (set) flags[`reserved_bit${bit}`] = true;
  }
  return flags;
}

export function nameOr(table: Readonly<Record<number, string>>, n: number): string {
  return table[n] ?? `type_${n}`;
}
