import type { WatchHeader } from './message.ts';

/**
 * What the server must answer (traccar WatchProtocolDecoder.sendResponse): `LK` and every `AL*`
 * get `[VV*ID*0002*LK]` / `[VV*ID*0002*AL]` (the watch repeats an unanswered alarm), `TKQ`/`TKQ2`
 * are echoed, `INIT` gets `INIT,1`. The vendor and the index are echoed as received; the length is
 * the hex byte length of the reply content. Anything else gets no reply.
 */
export function watchReply(msg: WatchHeader): Buffer | undefined {
  const content = replyContent(msg.type);
  return content === undefined ? undefined : encodeWatchEnvelope(msg, Buffer.from(content, 'latin1'));
}

function replyContent(type: string): string | undefined {
  if (type === 'LK') return 'LK';
  if (type.startsWith('AL')) return 'AL';
  if (type === 'TKQ' || type === 'TKQ2') return type;
  if (type === 'INIT') return 'INIT,1';
  return undefined;
}

/** `[VV*ID*(IIII*)LLLL*content]` with LLLL = hex length of the (unescaped) content. */
export function encodeWatchEnvelope(addr: { vendor: string; deviceId: string; index?: string }, content: Buffer, unescapedLength = content.length): Buffer {
  const length = unescapedLength.toString(16).toUpperCase().padStart(4, '0');
  const index = addr.index === undefined ? '' : `${addr.index}*`;
  return Buffer.concat([Buffer.from(`[${addr.vendor}*${addr.deviceId}*${index}${length}*`, 'latin1'), content, Buffer.from(']')]);
}
