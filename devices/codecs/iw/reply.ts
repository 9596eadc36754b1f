import type { IwMessage } from './decode.ts';

/**
 * The server's answer (traccar TrvProtocolDecoder): `IWBPxx#` echoing the type with A→B; the
 * login `AP00` gets `IWBP00,yyyyMMddHHmmss,tz#` so the watch can set its clock (tz in hours).
 */
export function iwReply(msg: Pick<IwMessage, 'type'>, now: number, tzOffsetMinutes = 480): Buffer {
  const header = `IW${String.fromCharCode(msg.type.charCodeAt(0) + 1)}${msg.type.slice(1)}`;
  if (msg.type !== 'AP00') return Buffer.from(`${header}#`, 'latin1');
  const d = new Date(now + tzOffsetMinutes * 60_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
  const tz = Number.isInteger(tzOffsetMinutes / 60) ? tzOffsetMinutes / 60 : (tzOffsetMinutes / 60).toFixed(1);
  return Buffer.from(`${header},${stamp},${tz}#`, 'latin1');
}
