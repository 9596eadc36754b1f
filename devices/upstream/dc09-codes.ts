import type { EventKind } from '../../contract/index.ts';

/**
 * What each CareWatch event kind is called at an alarm receiving centre: its Contact ID event
 * code (SIA DC-05) and SIA DC-03 codes for a new event and its restore. The pairing of Contact ID
 * codes with SIA codes follows pysiaalarm's table (src/pysiaalarm/data/adm_mapping.json); codes
 * it lacks are named where they are used. `null`: the kind is not sent to a receiver. A site may
 * override any entry (docs/upstream.md, `codes:` in the upstream configuration).
 */
export interface Dc09Code {
  /** Contact ID event code, 100–999. */
  cid: number;
  /** SIA DC-03 code of the event and of its restore. */
  sia: string;
  siaRestore: string;
}

const code = (cid: number, sia: string, siaRestore: string): Dc09Code => ({ cid, sia, siaRestore });

export const DEFAULT_DC09_CODES: Readonly<Record<EventKind, Dc09Code | null>> = {
  'fire.smoke': code(111, 'FA', 'FH'), // 111 smoke
  'fire.heat': code(114, 'KA', 'KH'), // 114 heat
  'fire.water_flow': code(113, 'WA', 'WH'), // 113 water flow
  'fire.confirmed': code(110, 'FA', 'FH'), // 110 fire (two detectors agree)
  'fire.test': code(604, 'FX', 'FK'), // 604 fire test
  'call.button': code(101, 'QA', 'QH'), // 101 personal emergency
  'wearable.sos': code(101, 'QA', 'QH'),
  'wearable.fall': code(100, 'MA', 'MH'), // 100 medical
  'fall.detected': code(100, 'MA', 'MH'),
  'vital.heart_rate': code(100, 'MA', 'MH'),
  'vital.spo2': code(100, 'MA', 'MH'),
  'wearable.not_worn': code(380, 'YX', 'YZ'), // 380 sensor trouble
  'wearable.geofence_exit': code(150, 'UA', 'UH'), // 150 24-hour non-burglary
  'inactivity.no_activity': code(641, 'NA', 'NA'), // 641 senior watch trouble; SIA NA no activity (the table's code for 654)
  'inactivity.not_back': code(641, 'NA', 'NA'),
  'inactivity.bed_exit': code(150, 'UA', 'UH'),
  'water.leak': code(154, 'WA', 'WH'), // 154 water leakage
  'device.offline': code(381, 'YC', 'YK'), // 381 loss of supervision (RF)
  'device.battery_low': code(384, 'XT', 'XR'), // 384 RF low battery; SIA XT transmitter battery trouble
  'device.tamper': code(383, 'TA', 'TR'), // 383 sensor tamper
  'device.fault': code(380, 'YX', 'YZ'), // 380 sensor trouble
  'device.untested': code(380, 'YX', 'YZ'),
  'device.unregistered': code(150, 'UA', 'UH'),
  'gateway.offline': code(350, 'YC', 'YK'), // 350 communication trouble
  'gateway.trouble': code(300, 'YX', 'YZ'), // 300 system trouble
  'link.receiver_down': code(354, 'YC', 'YK'), // 354 failure to communicate
};

/** Contact ID 602 / SIA RP: the periodic test report a link sends when asked to. */
export const PERIODIC_TEST: Dc09Code = code(602, 'RP', 'RP');
