/** GB/T 26875.3 codec: splitter → frame decoder → device readings, and encoders for replies and simulators. */
export { Gb26875FrameSplitter, type GbFrameSplitterOptions, type SplitResult } from './frame-splitter.ts';
export { decodeGb26875Frame, formatGbAddress, formatGbFrameTime, type GbDecodeOptions, type GbFrame } from './frame-decoder.ts';
export type * from './info-units.ts';
export { gbToReadings, GB_TRANSMISSION_DEVICE_ADDRESS, type GbDeviceAddress, type GbReading } from './readings.ts';
export { encodeGb26875Frame, encodeGb26875Confirm, encodeGb26875Deny, type GbFrameInput, type GbEncodeOptions } from './frame-encoder.ts';
export {
  encodeSystemStatusData, encodeComponentStatusData, encodeTransmissionDeviceStatusData, encodeTransmissionDeviceOperationData,
  encodeSystemOperationData, encodeTransmissionDeviceTimeData, type GbSystemOperationInput,
  type GbSystemStatusInput, type GbComponentStatusInput, type GbTransmissionDeviceStatusInput, type GbTransmissionDeviceOperationInput,
} from './app-data-encoder.ts';
export { type GbChecksumKind, sum8, crc16Modbus } from './checksum.ts';
export { DEFAULT_MAX_APP_BYTES } from './frame-layout.ts';
export { DEFAULT_TZ_OFFSET_MINUTES, msToTimeFields, timeFieldsToMs, type GbTimeFields } from './panel-time.ts';
export { decodeDescription, encodeDescription } from './description.ts';
export { GB_COMMANDS, GB_APP_TYPE_NAMES, GB_COMPONENT_TYPE_NAMES, GB_SYSTEM_TYPE_NAMES } from './constants.ts';
