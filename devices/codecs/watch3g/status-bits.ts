/**
 * The STATUS word of "3G*" position and alarm reports (8 hex digits; old firmware sends 4).
 * Bit meanings from traccar WatchProtocolDecoder.decodeAlarm (fixture README §4): 0 low battery,
 * 1 leave fence, 2 enter fence, 14 power cut, 16 SOS, 17 low battery, 18 leave fence,
 * 19 enter fence, 20 watch taken off, 21/22 fall; bit 4 = motion.
 */
export type WatchAlarm =
  | 'sos' | 'removing' | 'fall_down' | 'low_battery' | 'geofence_exit' | 'geofence_enter' | 'power_cut';

export interface WatchStatus {
  /** The raw word as sent. */
  hex: string;
  value: number;
  /** Digits sent: 4 on old firmware, so bits 16+ (SOS, taken off, fall) cannot be reported there. */
  digits: number;
  /** One name for the status, first match wins in `ALARM_PRIORITY` order. */
  alarm: WatchAlarm | undefined;
  sos: boolean;
  fall: boolean;
  takenOff: boolean;
  lowBattery: boolean;
  geofenceExit: boolean;
  geofenceEnter: boolean;
  powerCut: boolean;
  motion: boolean;
}

/**
 * First match wins. Traccar tests bit 0 (low battery) before bit 16 (SOS); a word with both set
 * would then be named "low battery". We name the life-safety condition first. Every bit is
 * still reported in its own flag, so nothing is lost either way.
 */
export const ALARM_PRIORITY: ReadonlyArray<readonly [WatchAlarm, readonly number[]]> = [
  ['sos', [16]],
  ['removing', [20]],
  ['fall_down', [21, 22]],
  ['low_battery', [0, 17]],
  ['geofence_exit', [1, 18]],
  ['geofence_enter', [2, 19]],
  ['power_cut', [14]],
];

const HEX_WORD = /^[0-9A-Fa-f]{1,8}$/;

export function decodeWatchStatus(hex: string): WatchStatus | undefined {
  const text = hex.trim();
  if (!HEX_WORD.test(text)) return undefined;
  const value = parseInt(text, 16);
  const bit = (n: number): boolean => ((value >>> n) & 1) === 1;
  const any = (bits: readonly number[]): boolean => bits.some(bit);
  let alarm: WatchAlarm | undefined;
  for (const [name, bits] of ALARM_PRIORITY) {
    if (any(bits)) { alarm = name; break; }
  }
  return {
    hex: text,
    value,
    digits: text.length,
    alarm,
    sos: bit(16),
    fall: bit(21) || bit(22),
    takenOff: bit(20),
    lowBattery: bit(0) || bit(17),
    geofenceExit: bit(1) || bit(18),
    geofenceEnter: bit(2) || bit(19),
    powerCut: bit(14),
    motion: bit(4),
  };
}

/** Build a STATUS word (simulators): the bits traccar reads for each condition. */
export function encodeWatchStatus(flags: { sos?: boolean; fall?: boolean; takenOff?: boolean; lowBattery?: boolean; motion?: boolean }): string {
  let value = 0;
  if (flags.lowBattery) value |= 1 << 17;
  if (flags.motion) value |= 1 << 4;
  if (flags.sos) value |= 1 << 16;
  if (flags.takenOff) value |= 1 << 20;
  if (flags.fall) value |= 1 << 21;
  return (value >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
