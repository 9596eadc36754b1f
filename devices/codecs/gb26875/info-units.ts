import type { Flags } from './constants.ts';

/**
 * One information object (信息对象) of an application data unit, tagged by what it reports.
 * `time` is epoch ms (null when the panel's clock bytes are no calendar time); `panelTime` is the
 * same label as the panel wrote it, for logs.
 */
interface Timed {
  time: number | null;
  panelTime: string;
}

interface OfSystem {
  systemType: number;
  systemTypeName: string;
  systemAddress: number;
}

interface OfComponent extends OfSystem {
  componentType: number;
  componentTypeName: string;
  componentAddress: number;
}

export interface GbSystemStatus extends OfSystem, Timed {
  kind: 'system_status';
  statusRaw: number;
  status: Flags;
}

export interface GbComponentStatus extends OfComponent, Timed {
  kind: 'component_status';
  statusRaw: number;
  status: Flags;
  description: string;
}

export interface GbComponentAnalogValue extends OfComponent, Timed {
  kind: 'component_analog_value';
  analogType: number;
  analogTypeName: string;
  /** Raw signed 16-bit value; `value` = raw × the type's scale, in `unit`. */
  raw: number;
  value: number;
  unit: string;
}

export interface GbSystemOperation extends OfSystem, Timed {
  kind: 'system_operation';
  operationRaw: number;
  operation: Flags;
  operator: number;
}

export interface GbSystemSoftwareVersion extends OfSystem {
  kind: 'system_software_version';
  major: number;
  minor: number;
}

export interface GbSystemConfig extends OfSystem {
  kind: 'system_config';
  config: string;
}

export interface GbComponentConfig extends OfComponent {
  kind: 'component_config';
  description: string;
}

export interface GbSystemTime extends OfSystem, Timed {
  kind: 'system_time';
}

export interface GbTransmissionDeviceStatus extends Timed {
  kind: 'transmission_device_status';
  statusRaw: number;
  status: Flags;
}

export interface GbTransmissionDeviceOperation extends Timed {
  kind: 'transmission_device_operation';
  operationRaw: number;
  operation: Flags;
  operator: number;
}

export interface GbTransmissionDeviceSoftwareVersion {
  kind: 'transmission_device_software_version';
  major: number;
  minor: number;
}

export interface GbTransmissionDeviceConfig {
  kind: 'transmission_device_config';
  config: string;
}

export interface GbTransmissionDeviceTime extends Timed {
  kind: 'transmission_device_time';
}

/** A centre → device read/control object (types 61–91): kept as bytes, the gateway only receives uploads. */
export interface GbQuery {
  kind: 'query';
  type: number;
  typeName: string;
  raw: Buffer;
}

/** A type this codec does not parse: the frame still decodes, the objects stay bytes. */
export interface GbUnsupported {
  kind: 'unsupported';
  type: number;
  raw: Buffer;
}

export type GbInfoUnit =
  | GbSystemStatus
  | GbComponentStatus
  | GbComponentAnalogValue
  | GbSystemOperation
  | GbSystemSoftwareVersion
  | GbSystemConfig
  | GbComponentConfig
  | GbSystemTime
  | GbTransmissionDeviceStatus
  | GbTransmissionDeviceOperation
  | GbTransmissionDeviceSoftwareVersion
  | GbTransmissionDeviceConfig
  | GbTransmissionDeviceTime
  | GbQuery
  | GbUnsupported;
