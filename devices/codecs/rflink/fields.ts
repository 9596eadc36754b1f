import type { DeviceFields } from '../../../contract/index.ts';
import { accept, reject, type Decoded } from '../../decoded.ts';
import type { ProfileId } from '../../profile-ids.ts';
import type { RflinkHints } from '../../profiles/define.ts';
import { getProfile } from '../../registry.ts';
import type { RflinkMessage } from './line-decoder.ts';
import { rflinkMeasurements, type RflinkMeasurements } from './values.ts';

/** CMD values that mean on/off; UP/DOWN/STOP/SET_LEVEL carry no state for these profiles. */
function commandOn(cmd: string | undefined): boolean | undefined {
  if (cmd === 'ON' || cmd === 'ALLON') return true;
  if (cmd === 'OFF' || cmd === 'ALLOFF') return false;
  return undefined;
}

/**
 * What an RFLink device message means for the device the site file says it is: the profile's
 * `rflink` hints (devices/profiles, README §2) say what ON and OFF mean and which alarm keys and
 * measurements it reads. `BAT=LOW|OK` → battery_low for every profile.
 */
export function rflinkToFields(
  msg: RflinkMessage, profileId: ProfileId, map: RflinkHints | undefined = getProfile(profileId)?.rflink,
): Decoded<DeviceFields> {
  if (!map) return reject('unsupported', `profile "${profileId}" has no RFLink mapping`);
  const { measurements, malformed } = rflinkMeasurements(msg.values);
  const read = ['BAT', ...(map.temperature ? ['TEMP'] : []), ...(map.alarmKeys ?? []).map((k) => (k === 'pir' ? 'PIR' : 'SMOKEALERT'))];
  const bad = malformed.filter((m) => read.some((key) => m.startsWith(`${key}=`)));
  if (bad.length > 0) return reject('schema', `${msg.protocol} ${msg.id}: malformed ${bad.join(', ')}`);

  const fields: DeviceFields = {};
  const on = alarmState(msg, map, measurements);
  if (on !== undefined) Object.assign(fields, on ? map.on : map.off);
  if (map.temperature && measurements.temperatureC !== undefined && measurements.temperatureC >= -60) fields.temperature = measurements.temperatureC;
  if (measurements.batteryLow !== undefined) fields.battery_low = measurements.batteryLow;
  if (Object.keys(fields).length === 0) {
    return reject('unsupported', `${msg.protocol} ${msg.id}: nothing in CMD=${msg.cmd ?? '-'} ${Object.keys(msg.values).join(',')} means anything for a ${profileId}`);
  }
  return accept(fields);
}

/** An explicit alarm key wins over CMD (newer firmware prints both, rfl-009). */
function alarmState(msg: RflinkMessage, map: RflinkHints, m: RflinkMeasurements): boolean | undefined {
  for (const key of map.alarmKeys ?? []) {
    const v = m[key];
    if (v !== undefined) return v;
  }
  return commandOn(msg.cmd);
}

/** The site file's `rflink: { protocol, id, switch? }` of a message, as printed. */
export interface RflinkAddress {
  protocol: string;
  id: string;
  switch?: string;
}

export function rflinkAddress(msg: RflinkMessage): RflinkAddress {
  return { protocol: msg.protocol, id: msg.id, ...(msg.switch !== undefined && { switch: msg.switch }) };
}

/**
 * Does a configured address name this message? Case-insensitive (RFLink prints hex in either
 * case across versions); a configured address without `switch` matches every switch of the ID.
 */
export function matchesRflinkAddress(configured: RflinkAddress, msg: RflinkMessage): boolean {
  const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (!eq(configured.protocol, msg.protocol) || !eq(configured.id, msg.id)) return false;
  return configured.switch === undefined || (msg.switch !== undefined && eq(configured.switch, msg.switch));
}

/**
 * Keys to look the message up by, most specific first, in the format of contract/site.ts
 * `deviceAddress()` (`rflink:<protocol>:<id>:<switch>`, then the switch-less key).
 */
export function rflinkLookupKeys(msg: RflinkMessage): string[] {
  const base = `rflink:${msg.protocol.toLowerCase()}:${msg.id.toLowerCase()}:`;
  return msg.switch === undefined ? [base] : [base + msg.switch.toLowerCase(), base];
}
