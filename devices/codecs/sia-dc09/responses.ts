import { encodeDc09, type Dc09Message } from './frame.ts';
import type { Dc09Key, PadSource } from './crypto.ts';

/**
 * The receiver's answers (ANSI/SIA DC-09-2013 5.5.2): ACK and DUH echo the message's sequence,
 * receiver, line and account; an ACK to an encrypted message is encrypted with the same key.
 * NAK names no message (it answers one the receiver could not read or whose time was outside
 * its window) and carries the receiver's clock: `"NAK"0000R0L0A0[]_time`.
 */
export function encodeDc09Ack(msg: Dc09Message, now: number, key?: Dc09Key, pad?: PadSource): string {
  return encodeDc09({ token: 'ACK', ...echo(msg), timestamp: now }, msg.encrypted && key ? { key, ...(pad ? { pad } : {}) } : {});
}

/** DUH: the receiver read the message and will not act on it (an unknown event type or code). */
export function encodeDc09Duh(msg: Dc09Message, now: number): string {
  return encodeDc09({ token: 'DUH', ...echo(msg), timestamp: now });
}

export function encodeDc09Nak(now: number): string {
  return encodeDc09({ token: 'NAK', seq: 0, receiver: '0', line: '0', timestamp: now });
}

function echo(msg: Dc09Message) {
  return {
    seq: msg.seq,
    ...(msg.receiver !== null ? { receiver: msg.receiver } : {}),
    ...(msg.line !== null ? { line: msg.line } : {}),
    ...(msg.account !== null ? { account: msg.account } : {}),
  };
}
