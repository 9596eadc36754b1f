/** RFLink codec: line splitter → line decoder → fields by profile, and a line encoder for simulators. */
export { RflinkLineSplitter, DEFAULT_MAX_LINE_BYTES, type RflinkLineSplitterOptions, type SplitResult } from './line-splitter.ts';
export {
  decodeRflinkLine, decodeRflinkDeviceLine,
  type RflinkLine, type RflinkMessage, type RflinkBanner, type RflinkReply, type RflinkDebug, type RflinkHostLine,
} from './line-decoder.ts';
export { rflinkMeasurements, signMagnitudeTenths, type RflinkMeasurements } from './values.ts';
export { rflinkToFields, rflinkAddress, matchesRflinkAddress, rflinkLookupKeys, type RflinkAddress } from './fields.ts';
export { encodeRflinkLine, encodeRflinkTemperature, type RflinkLineInput } from './line-encoder.ts';
