import { accept, reject, type Decoded } from '../../decoded.ts';
import { crc16Arc, hex4 } from './crc.ts';
import { decryptDc09, encryptDc09, type Dc09Key, type PadSource } from './crypto.ts';
import { DC09_TIMESTAMP_LENGTH, formatDc09Timestamp, parseDc09Timestamp } from './timestamp.ts';

/**
 * One DC-09 block (ANSI/SIA DC-09-2013 5.5):
 * `LF crc(4 hex) 0LLL(length, hex) "id" seq(4) [Rrcvr] [Lpref] #acct [data] [xdata]… [timestamp] CR`
 * CRC and length cover `"id"` … the last byte before CR. With `*` before the id, everything after
 * `[` is AES-encrypted (crypto.ts). Text is ASCII; latin1 keeps every byte one character.
 */
export interface Dc09Message {
  /** `SIA-DCS`, `ADM-CID`, `NULL`, `ACK`, `NAK`, `DUH`, `RSP`, … without quotes or `*`. */
  token: string;
  encrypted: boolean;
  /** 0000–9999; a retry repeats its message's number. */
  seq: number;
  /** Hex digits after `R` (receiver number), null when absent. */
  receiver: string | null;
  /** Hex digits after `L` (line prefix), null when absent. */
  line: string | null;
  /** Account of the header (`#acct`), else of the data block; null for a NAK's `A0`. */
  account: string | null;
  /** The message data after `#acct|` (Contact ID or SIA DC-03 text), '' for NULL and replies. */
  data: string;
  /** Extended data blocks `[X…]` as id letter + value. */
  extended: Array<{ id: string; value: string }>;
  /** Epoch ms of the timestamp, null when the message carries none. */
  timestamp: number | null;
  crc: number;
  length: number;
}

export interface Dc09Input {
  token: string;
  seq: number;
  receiver?: string;
  line?: string;
  /** Required except for a NAK (which carries `A0`). */
  account?: string;
  data?: string;
  extended?: Array<{ id: string; value: string }>;
  /** Epoch ms; required when encrypting. */
  timestamp?: number;
}

export interface Dc09EncodeOptions {
  key?: Dc09Key;
  pad?: PadSource;
}

const LF = '\n';
const CR = '\r';
/** The length field is `0LLL`: at most 0xFFF bytes. */
export const DC09_MAX_BODY = 0xfff;
const HEADER = /^"(\*?)([A-Z0-9-]{2,16})"(\d{4})(?:R([0-9A-Fa-f]{1,6}?))?(?:L([0-9A-Fa-f]{1,6}?))?(?:#([0-9A-Fa-f]{3,16})|(A0))?\[/;

export function encodeDc09(input: Dc09Input, opts: Dc09EncodeOptions = {}): string {
  if (!Number.isInteger(input.seq) || input.seq < 0 || input.seq > 9999) throw new RangeError(`sequence ${input.seq} is not 0000–9999`);
  if (input.account !== undefined && !/^[0-9A-Fa-f]{3,16}$/.test(input.account)) throw new RangeError(`account "${input.account}" is not 3–16 hex digits`);
  const encrypted = opts.key !== undefined;
  if (encrypted && input.timestamp === undefined) throw new RangeError('an encrypted message needs a timestamp (DC-09 5.5.1.8)');
  let head = `"${encrypted ? '*' : ''}${input.token}"${String(input.seq).padStart(4, '0')}`;
  if (input.receiver !== undefined) head += `R${input.receiver}`;
  if (input.line !== undefined) head += `L${input.line}`;
  head += input.account !== undefined ? `#${input.account}` : 'A0';
  const data = input.data ?? '';
  const xdata = (input.extended ?? []).map((x) => `[${x.id}${x.value}]`).join('');
  const ts = input.timestamp !== undefined ? formatDc09Timestamp(input.timestamp) : '';
  let rest: string;
  if (encrypted) {
    rest = encryptDc09(`${data ? `|${data}` : ''}]${xdata}${ts}`, opts.key!, opts.pad);
  } else {
    rest = `${data ? `#${input.account}|${data}` : ''}]${xdata}${ts}`;
  }
  const body = `${head}[${rest}`;
  if (body.length > DC09_MAX_BODY) throw new RangeError(`message of ${body.length} bytes over the 0xFFF length field`);
  return `${LF}${hex4(crc16Arc(Buffer.from(body, 'latin1')))}${hex4(body.length)}${body}${CR}`;
}

export interface Dc09DecodeOptions {
  /** The key of an account, for encrypted messages; undefined when the account has none. */
  keyFor?: (account: string | null) => Dc09Key | undefined;
}

/**
 * Decodes one whole block, with or without its LF and CR. Rejections name the rule broken:
 * CRC (`bad_checksum`), length and shape (`bad_frame`), an encrypted message with no key or a
 * wrong one (`auth`).
 */
export function decodeDc09(block: string, opts: Dc09DecodeOptions = {}): Decoded<Dc09Message> {
  let text = block;
  if (text.startsWith(LF)) text = text.slice(1);
  if (text.endsWith(CR)) text = text.slice(0, -1);
  if (text.length < 9) return reject('truncated', `${text.length} character(s), fewer than the 8-character CRC and length header`);
  if (!/^[0-9A-Fa-f]{4}0[0-9A-Fa-f]{3}$/.test(text.slice(0, 8))) return reject('bad_frame', `header "${text.slice(0, 8)}" is not 4 hex digits of CRC and 0LLL of length`);
  const crc = parseInt(text.slice(0, 4), 16);
  const length = parseInt(text.slice(4, 8), 16);
  const body = text.slice(8);
  if (body.length !== length) return reject('bad_frame', `length field says ${length} bytes, the message has ${body.length}`);
  const computed = crc16Arc(Buffer.from(body, 'latin1'));
  if (computed !== crc) return reject('bad_checksum', `CRC ${hex4(crc)} in the header, computed ${hex4(computed)}`);
  const head = HEADER.exec(body);
  if (!head) return reject('bad_frame', `"${body.slice(0, 40)}" is not "id"seq[Rrcvr][Lpref]#acct[`);
  const [, star, token, seqText, receiver, line, headAccount] = head;
  const encrypted = star === '*';
  let rest = body.slice(head[0].length);
  if (encrypted) {
    const key = opts.keyFor?.(headAccount ?? null);
    if (!key) return reject('auth', `encrypted message for account ${headAccount ?? '(none)'} and no key for it`);
    const plain = decryptDc09(rest, key);
    if (plain === null) return reject('bad_frame', `encrypted part of ${rest.length} characters is not whole hex blocks`);
    // The pad holds no `|` or `]`: the message starts at the first of them, or at the `#acct`
    // just before its `|` (some senders keep the data block's account when encrypting).
    const pipe = plain.indexOf('|');
    const bracket = plain.indexOf(']');
    let start = pipe >= 0 && (bracket < 0 || pipe < bracket) ? pipe : bracket;
    if (start > 0 && start === pipe) start -= /#[0-9A-Fa-f]{3,16}$/.exec(plain.slice(0, start))?.[0].length ?? 0;
    // Wrong key: the pad runs into bytes that are no text, or no `]` closes the data.
    if (start < 0 || !plain.includes(']') || /[^\x20-\x7e]/.test(plain.slice(start))) return reject('auth', `account ${headAccount ?? '(none)'}: the message does not decrypt with its key`);
    rest = plain.slice(start);
  }
  const close = rest.indexOf(']');
  if (close < 0) return reject('bad_frame', 'no "]" closes the data block');
  let data = rest.slice(0, close);
  let dataAccount: string | null = null;
  const acct = /^#([0-9A-Fa-f]{3,16})\|/.exec(data);
  if (acct) { dataAccount = acct[1]!; data = data.slice(acct[0].length); } else if (data.startsWith('|')) data = data.slice(1);
  let tail = rest.slice(close + 1);
  const extended: Dc09Message['extended'] = [];
  while (tail.startsWith('[')) {
    const end = tail.indexOf(']');
    if (end < 0 || end < 2) return reject('bad_frame', `extended data "${tail.slice(0, 20)}" is not [Xvalue]`);
    extended.push({ id: tail[1]!, value: tail.slice(2, end) });
    tail = tail.slice(end + 1);
  }
  let timestamp: number | null = null;
  if (tail.length > 0) {
    timestamp = tail.length === DC09_TIMESTAMP_LENGTH ? parseDc09Timestamp(tail) : null;
    if (timestamp === null) return reject('bad_frame', `"${tail.slice(0, 30)}" after the data is no _HH:MM:SS,MM-DD-YYYY timestamp`);
  }
  if (encrypted && timestamp === null) return reject('bad_frame', 'an encrypted message without a timestamp (DC-09 5.5.1.8)');
  return accept({
    token: token!,
    encrypted,
    seq: Number(seqText),
    receiver: receiver ?? null,
    line: line ?? null,
    account: headAccount ?? dataAccount,
    data,
    extended,
    timestamp,
    crc,
    length,
  });
}
