import { accept, reject, type Decoded } from '../../decoded.ts';

/**
 * Protocol decoder of RFLink lines (Traccar split: what one line means). Shapes (README §2):
 * - `20;SS;Name;ID=…;SWITCH=…;CMD=…;KEY=VAL;` received RF (a device message);
 * - `20;00;Nodo RadioFrequencyLink - RFLink Gateway V1.1 - R46;` start-up banner (00 = reboot);
 * - `20;SS;PONG;`, `20;SS;OK;`, `20;SS;VER=1.1;REV=45;…` replies; `20;SS;DEBUG;…` pulse dumps;
 * - `10;…` host → gateway commands and `11;…` echoes (device creation): never received RF, so
 *   an echoed `10;FA20RF;…;ON;` can never become a smoke alarm.
 * Only device messages carry an `ID`; everything else is recognised before device parsing.
 */
export interface RflinkMessage {
  kind: 'device';
  node: 20;
  /** Two hex digits, 00–FF, wrapping; as printed. */
  seq: string;
  /** Protocol name as printed: may hold spaces and slashes (`Byron SX`, `UPM/Esic`). */
  protocol: string;
  /** Hex device id as printed (plugin-specific width). */
  id: string;
  switch?: string;
  /** Upper-cased command: ON, OFF, ALLON, ALLOFF, UP, … */
  cmd?: string;
  /** Every other KEY=VALUE, key upper-cased, value kept as the string printed. */
  values: Record<string, string>;
}

export interface RflinkBanner {
  kind: 'banner';
  node: 20;
  seq: string;
  text: string;
  version?: string;
  revision?: string;
}

export interface RflinkReply {
  kind: 'reply';
  node: 20;
  seq: string;
  /** The reply after the sequence number, e.g. `PONG`, `OK`, `CMD UNKNOWN`, `VER=1.1;REV=45`. */
  text: string;
}

export interface RflinkDebug {
  kind: 'debug';
  node: 20;
  seq: string;
  text: string;
}

/** A host command (`10;…`) or its echo (`11;…`) seen on the line. */
export type RflinkHostLine = { kind: 'host'; node: 10; text: string } | { kind: 'echo'; node: 11; text: string };

export type RflinkLine = RflinkMessage | RflinkBanner | RflinkReply | RflinkDebug | RflinkHostLine;

export const MAX_LINE_CHARS = 1024;
const SEQ = /^[0-9A-Fa-f]{2}$/;
const HEX_ID = /^[0-9A-Fa-f]{1,16}$/;
const DEBUG_NAMES = new Set(['DEBUG', 'RFDEBUG', 'RFUDEBUG', 'QRFDEBUG']);

export function decodeRflinkLine(raw: string): Decoded<RflinkLine> {
  if (raw.length > MAX_LINE_CHARS + 2) return reject('oversize', `line of ${raw.length} chars > ${MAX_LINE_CHARS}`);
  // Firmware ends lines with `;\r\n`; some arrive without the `;` (rfl-019) or with a stray CR (rfl-015).
  const line = raw.replace(/[\r\n]+$/, '');
  if (line.length === 0) return reject('bad_frame', 'empty line');
  const bad = /[^\x20-\x7e]/.exec(line);
  if (bad) return reject('noise', `byte 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')} at ${bad.index} is not printable ASCII`);
  const fields = (line.endsWith(';') ? line.slice(0, -1) : line).split(';');
  const node = fields[0];
  if (node === '10') return accept({ kind: 'host', node: 10, text: line });
  if (node === '11') return accept({ kind: 'echo', node: 11, text: line });
  if (node !== '20') return reject('bad_frame', `node "${node}" is none of 20 (gateway), 10 (host), 11 (echo)`);
  const seq = fields[1] ?? '';
  if (!SEQ.test(seq)) return reject('bad_frame', `sequence "${seq}" is not two hex digits`);
  const name = fields[2] ?? '';
  if (name.length === 0) return reject('bad_frame', 'no name after the sequence number');
  const rest = fields.slice(3);
  if (name.startsWith('Nodo RadioFrequencyLink') || name.includes('RFLink Gateway')) return accept(banner(seq, name));
  if (DEBUG_NAMES.has(name.toUpperCase())) return accept({ kind: 'debug', node: 20, seq, text: rest.join(';') });
  if (!rest.some((f) => /^ID=/i.test(f))) return accept({ kind: 'reply', node: 20, seq, text: fields.slice(2).join(';') });
  return deviceMessage(seq, name, rest);
}

/** Only received-RF device messages; any other line is 'unsupported' for a caller that wants devices. */
export function decodeRflinkDeviceLine(raw: string): Decoded<RflinkMessage> {
  const decoded = decodeRflinkLine(raw);
  if (!decoded.ok) return decoded;
  if (decoded.value.kind !== 'device') return reject('unsupported', `${decoded.value.kind} line, not a device message`);
  return accept(decoded.value);
}

function banner(seq: string, text: string): RflinkBanner {
  const version = /V(\d+(?:\.\d+)*)/.exec(text)?.[1];
  const revision = /R(\d+)\b/.exec(text)?.[1];
  return { kind: 'banner', node: 20, seq, text, ...(version && { version }), ...(revision && { revision }) };
}

function deviceMessage(seq: string, protocol: string, rest: string[]): Decoded<RflinkMessage> {
  const values: Record<string, string> = {};
  let id: string | undefined;
  let sw: string | undefined;
  let cmd: string | undefined;
  for (const field of rest) {
    if (field.length === 0) continue;
    const eq = field.indexOf('=');
    if (eq <= 0) return reject('bad_frame', `${protocol}: field "${field}" is not KEY=VALUE`);
    const key = field.slice(0, eq).toUpperCase();
    const value = field.slice(eq + 1);
    if (key === 'ID') id = value;
    else if (key === 'SWITCH') sw = value;
    else if (key === 'CMD') cmd = value.toUpperCase();
    else values[key] = value;
  }
  if (id === undefined || !HEX_ID.test(id)) return reject('schema', `${protocol}: ID "${id}" is not 1–16 hex digits`);
  return accept({
    kind: 'device', node: 20, seq, protocol, id,
    ...(sw !== undefined && { switch: sw }),
    ...(cmd !== undefined && { cmd }),
    values,
  });
}
