import type { WatchStatus } from './status-bits.ts';

/** The header every "3G*" frame carries: `[VV*ID*LLLL*…]` or `[VV*ID*IIII*LLLL*…]`. */
export interface WatchHeader {
  /** Vendor prefix as sent (`3G`, `SG`, `CS`, `ZJ`, …); replies must echo it. */
  vendor: string;
  /** 10-digit id or 15-digit IMEI. */
  deviceId: string;
  /** The optional message index of `ZJ`-style frames; replies must echo it. */
  index?: string;
  /** LLLL: hex byte length of the content as declared by the watch. */
  declaredLength: number;
  /** Bytes of content after unescaping (what LLLL should have said). */
  contentLength: number;
  /** 14 of 48 frames in traccar's test carry a wrong LLLL (fixture README §4): log, never reject. */
  lengthOk: boolean;
  /** The message type: the content up to its first comma (`LK`, `UD_LTE`, `AL`, `heart`, …). */
  type: string;
}

export interface WatchCell { mcc: number; mnc: number; lac: number; cid: number; rssi?: number }
export interface WatchWifi { name: string; mac: string; rssi?: number }

/** The common body of UD*, WT and AL* reports. */
export interface WatchPosition {
  /** `ddmmyy` and `hhmmss` as sent: device local time without a zone. */
  date: string;
  time: string;
  /** `A` = GPS fix; `V` = no fix (cells / Wi-Fi only), coordinates are then stale or zero. */
  gpsValid: boolean;
  latitude: number;
  longitude: number;
  speedKmh?: number;
  courseDeg?: number;
  altitudeM?: number;
  satellites?: number;
  gsmSignal?: number;
  battery?: number;
  steps?: number;
  rolls?: number;
  status: WatchStatus;
  cells: WatchCell[];
  wifi: WatchWifi[];
}

export type WatchMessage = WatchHeader & (
  | { kind: 'keepalive'; steps?: number; rolls?: number; battery?: number }
  | { kind: 'position'; position: WatchPosition }
  /** `bodyError` set: an alarm whose body did not parse; it is still answered (the watch retries otherwise). */
  | { kind: 'alarm'; position?: WatchPosition; bodyError?: string }
  | { kind: 'vital'; heartRate?: number; systolic?: number; diastolic?: number; spo2?: number; bodyTempC?: number }
  /** Any other type (`TK`, `TKQ`, `INIT`, `img`, …): kept raw, no fields. */
  | { kind: 'other'; content: Buffer }
);

export type WatchMessageKind = WatchMessage['kind'];
