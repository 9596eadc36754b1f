/** "3G*" protocol of 4G elderly/child watches (SeTracker / Wonlex style). */
export { WatchFrameSplitter, DEFAULT_MAX_FRAME_BYTES } from './frame-splitter.ts';
export type { WatchFrameSplitterOptions, SplitResult } from './frame-splitter.ts';
export { decodeWatchFrame } from './decode.ts';
export type { WatchMessage, WatchMessageKind, WatchHeader, WatchPosition, WatchCell, WatchWifi } from './message.ts';
export { decodeWatchStatus, encodeWatchStatus, ALARM_PRIORITY } from './status-bits.ts';
export type { WatchStatus, WatchAlarm } from './status-bits.ts';
export { watchReply } from './reply.ts';
export { watchToFields } from './fields.ts';
export type { WatchFields, WatchFieldsKind, WatchFieldsOptions } from './fields.ts';
export { watchTimeToEpoch, epochToWatchTime, DEFAULT_TZ_OFFSET_MINUTES } from './device-time.ts';
export { encodeWatchFrame } from './encode.ts';
export type { WatchFrameSpec, PositionReport, PositionType, AlarmType, WatchAddress } from './encode.ts';
export { escapeWatch, unescapeWatch } from './escape.ts';
