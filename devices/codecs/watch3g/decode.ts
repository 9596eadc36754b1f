import { accept, reject, type Decoded } from '../../decoded.ts';
import { unescapeWatch } from './escape.ts';
import type { WatchHeader, WatchMessage } from './message.ts';
import { parsePositionBody } from './position.ts';
import { count, decimal, integer, percent } from './numbers.ts';
import { preview } from './frame-splitter.ts';

/**
 * Protocol decoder of the "3G*" watch protocol (traccar WatchProtocolDecoder; fixture README §4):
 * one frame `[VV*ID*(IIII*)LLLL*TYPE,f1,f2,…]` from `WatchFrameSplitter` → one typed message.
 */
const STAR = 0x2a;
const COMMA = 0x2c;
const VENDOR = /^[A-Za-z0-9]{2,4}$/;
const DEVICE_ID = /^[A-Za-z0-9]{1,32}$/;
const HEX4 = /^[0-9A-Fa-f]{4}$/;
const TYPE = /^[A-Za-z0-9_]{1,32}$/;

export function decodeWatchFrame(frame: Buffer): Decoded<WatchMessage> {
  if (frame.length < 2 || frame[0] !== 0x5b || frame[frame.length - 1] !== 0x5d) {
    return reject('bad_frame', `not a [ … ] frame: ${preview(frame)}`);
  }
  const inner = frame.subarray(1, frame.length - 1);
  const s1 = inner.indexOf(STAR);
  const s2 = s1 < 0 ? -1 : inner.indexOf(STAR, s1 + 1);
  const s3 = s2 < 0 ? -1 : inner.indexOf(STAR, s2 + 1);
  if (s3 < 0) return reject('bad_frame', `header needs VV*ID*LLLL*: ${preview(frame)}`);
  const vendor = ascii(inner, 0, s1);
  const deviceId = ascii(inner, s1 + 1, s2);
  if (!VENDOR.test(vendor)) return reject('bad_frame', `vendor ${JSON.stringify(vendor)} is not 2-4 letters/digits`);
  if (!DEVICE_ID.test(deviceId)) return reject('bad_frame', `device id ${JSON.stringify(deviceId)} is not 1-32 letters/digits`);

  // traccar: a 4-hex token followed by another 4-hex token and "*" means `IIII*LLLL*` (index present).
  let index: string | undefined;
  let lengthText = ascii(inner, s2 + 1, s3);
  let contentStart = s3 + 1;
  if (HEX4.test(lengthText) && inner[s3 + 5] === STAR && HEX4.test(ascii(inner, s3 + 1, s3 + 5))) {
    index = lengthText;
    lengthText = ascii(inner, s3 + 1, s3 + 5);
    contentStart = s3 + 6;
  }
  if (!HEX4.test(lengthText)) return reject('bad_frame', `length ${JSON.stringify(lengthText)} is not 4 hex digits`);

  const unescaped = unescapeWatch(inner.subarray(contentStart));
  if (!unescaped.ok) {
    const b = unescaped.byte === undefined ? 'end of frame' : `0x${unescaped.byte.toString(16).padStart(2, '0')}`;
    return reject('bad_frame', `escape 0x7d followed by ${b} at content offset ${unescaped.offset} (only 01..05 are defined)`);
  }
  const content = unescaped.bytes;
  const comma = content.indexOf(COMMA);
  const type = ascii(content, 0, comma < 0 ? content.length : comma);
  if (!TYPE.test(type)) return reject('bad_frame', `message type ${JSON.stringify(type)} is not 1-32 letters/digits/_`);
  const body = comma < 0 ? Buffer.alloc(0) : content.subarray(comma + 1);

  const declaredLength = parseInt(lengthText, 16);
  const header: WatchHeader = {
    vendor, deviceId, declaredLength, contentLength: content.length,
    lengthOk: declaredLength === content.length, type,
    ...(index === undefined ? {} : { index }),
  };
  return decodeContent(header, body);
}

function decodeContent(header: WatchHeader, body: Buffer): Decoded<WatchMessage> {
  const { type } = header;
  if (type === 'LK') {
    const v = body.length ? body.toString('latin1').split(',') : [];
    // `LK`, or `LK,steps,rolls,battery%` (fewer fields on some firmware: battery only from the 3rd).
    return accept({ ...header, kind: 'keepalive', ...definedNums({ steps: count(v[0]), rolls: count(v[1]), battery: percent(v[2]) }) });
  }
  if (type.startsWith('UD') || type.startsWith('WT')) {
    const parsed = parsePositionBody(body.toString('latin1'));
    if (!parsed.ok) return reject('bad_frame', `${type}: ${parsed.detail}`);
    return accept({ ...header, kind: 'position', position: parsed.position });
  }
  if (type.startsWith('AL')) {
    // traccar treats every type starting with AL (AL, AL_LTE, ALCUSTOMER1, …) as an alarm.
    const parsed = parsePositionBody(body.toString('latin1'));
    return accept(parsed.ok
      ? { ...header, kind: 'alarm', position: parsed.position }
      : { ...header, kind: 'alarm', bodyError: parsed.detail });
  }
  const vital = decodeVital(type.toLowerCase(), body.toString('latin1').split(','));
  if (vital === undefined) return accept({ ...header, kind: 'other', content: body });
  if (typeof vital === 'string') return reject('schema', `${type}: ${vital}`);
  return accept({ ...header, kind: 'vital', ...vital });
}

type Vital = { heartRate?: number; systolic?: number; diastolic?: number; spo2?: number; bodyTempC?: number };

/** `heart,N` `PULSE,N` `bphrt,sys,dia,hr,,,,` `BLOOD,sys,dia` `oxygen,?,spo2` `btemp2,valid,temp` `TEMP,temp`. */
function decodeVital(type: string, v: string[]): Vital | string | undefined {
  switch (type) {
    case 'heart':
    case 'pulse': {
      const heartRate = count(v[0]);
      return heartRate === undefined ? `heart rate ${JSON.stringify(v[0])} is not a whole number` : { heartRate };
    }
    case 'bphrt':
    case 'blood': {
      const systolic = count(v[0]);
      const diastolic = count(v[1]);
      if (systolic === undefined || diastolic === undefined) return `blood pressure ${JSON.stringify(`${v[0]},${v[1]}`)} is not two whole numbers`;
      return definedNums({ systolic, diastolic, heartRate: count(v[2]) });
    }
    case 'oxygen': {
      const spo2 = decimal(v[1]);
      return spo2 === undefined || spo2 < 0 || spo2 > 100 ? `SpO2 ${JSON.stringify(v[1])} is not 0-100` : { spo2 };
    }
    case 'btemp2': {
      const valid = integer(v[0]);
      const t = decimal(v[1]);
      if (valid === undefined) return `validity flag ${JSON.stringify(v[0])} is not a number`;
      if (valid <= 0) return {};
      return t === undefined ? `temperature ${JSON.stringify(v[1])} is not a number` : { bodyTempC: t };
    }
    case 'temp': {
      const t = decimal(v[0]);
      return t === undefined ? `temperature ${JSON.stringify(v[0])} is not a number` : { bodyTempC: t };
    }
    default:
      return undefined;
  }
}

function definedNums<T extends Record<string, number | undefined>>(o: T): { [K in keyof T]?: number } {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: number };
}

function ascii(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}
