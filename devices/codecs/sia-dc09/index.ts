/** SIA DC-09 codec: blocks (CRC, length, AES), Contact ID and SIA DC-03 data, the receiver's answers. */
export { crc16Arc } from './crc.ts';
export { parseDc09Key, encryptDc09, decryptDc09, randomPad, type Dc09Key, type PadSource } from './crypto.ts';
export { encodeDc09, decodeDc09, DC09_MAX_BODY, type Dc09Message, type Dc09Input, type Dc09EncodeOptions, type Dc09DecodeOptions } from './frame.ts';
export { encodeDc09Ack, encodeDc09Duh, encodeDc09Nak } from './responses.ts';
export { encodeContactId, decodeContactId, CONTACT_ID_QUALIFIERS, type ContactIdEvent, type ContactIdQualifier } from './contact-id.ts';
export { encodeSiaDcs, decodeSiaDcs, type SiaDcsEvent } from './sia-dcs.ts';
export { formatDc09Timestamp, parseDc09Timestamp } from './timestamp.ts';
export { Dc09FrameSplitter } from './splitter.ts';
