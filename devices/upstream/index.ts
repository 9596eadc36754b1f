/** Events → upstream messages (pure): DC-09 data for alarm receiving centres, GB/T 26875.3 for the fire centre. */
export { DEFAULT_DC09_CODES, PERIODIC_TEST, type Dc09Code } from './dc09-codes.ts';
export { eventToDc09, type Dc09Format, type Dc09MappingOptions, type Dc09Payload } from './event-to-dc09.ts';
export { eventToGb26875, GB_COMPONENT_OF_PROFILE, type GbComponent, type GbMappingOptions } from './event-to-gb26875.ts';
