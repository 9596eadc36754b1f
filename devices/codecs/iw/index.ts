/** "IW" protocol of 4G elderly watches (`IWAP…#` up, `IWBP…#` down). */
export { IwFrameSplitter } from './frame-splitter.ts';
export type { IwSplitResult } from './frame-splitter.ts';
export { decodeIwFrame } from './decode.ts';
export type { IwMessage, IwPosition, IwAlarm } from './decode.ts';
export { iwReply } from './reply.ts';
export { iwToFields, iwTimeToEpoch } from './fields.ts';
export type { IwFields } from './fields.ts';
export { encodeIwFrame } from './encode.ts';
export type { IwFrameSpec } from './encode.ts';
