import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  crc16Arc, decodeContactId, decodeDc09, decodeSiaDcs, Dc09FrameSplitter, encodeContactId, encodeDc09, encodeDc09Ack, encodeDc09Duh,
  encodeDc09Nak, encodeSiaDcs, parseDc09Key, type Dc09Message,
} from '../../devices/codecs/sia-dc09/index.ts';

/**
 * SIA DC-09 golden cases (test/fixtures/sia-dc09/cases.jsonl; each cites its public source).
 * Every `expect` key has a check; a key without one fails, so no fact in the fixtures goes unchecked.
 */
interface Case { id: string; input: string; key?: string; expect: Record<string, unknown> }
const cases = readFileSync(join(import.meta.dirname, '../fixtures/sia-dc09/cases.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Case);
const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

const CHECKS: Record<string, (m: Dc09Message, want: unknown) => void> = {
  valid: (_m, want) => expect(want).toBe(true),
  token: (m, want) => expect(m.token).toBe(want),
  encrypted: (m, want) => expect(m.encrypted).toBe(want),
  seq: (m, want) => expect(m.seq).toBe(want),
  receiver: (m, want) => expect(m.receiver).toBe(want),
  line: (m, want) => expect(m.line).toBe(want),
  account: (m, want) => expect(m.account).toBe(want),
  data: (m, want) => expect(m.data).toBe(want),
  crc: (m, want) => expect(hex4(m.crc)).toBe(want),
  length: (m, want) => expect(m.length).toBe(want),
  timestamp: (m, want) => expect(m.timestamp === null ? null : new Date(m.timestamp).toISOString()).toBe(want),
};

function keyOf(c: Case) {
  if (!c.key) return undefined;
  const key = parseDc09Key(c.key);
  if (typeof key === 'string') throw new Error(key);
  return key;
}

describe('SIA DC-09 golden cases', () => {
  for (const c of cases) {
    it(c.id, () => {
      const key = keyOf(c);
      const result = decodeDc09(c.input, { keyFor: () => key });
      if (c.expect.valid === false) {
        expect(result.ok, JSON.stringify(result)).toBe(false);
        if (!result.ok) expect(result.reason).toBe(c.expect.error);
        if (c.expect.crc_of_body) expect(hex4(crc16Arc(Buffer.from(c.input.slice(8), 'latin1')))).toBe(c.expect.crc_of_body);
        return;
      }
      if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
      for (const [k, want] of Object.entries(c.expect)) {
        const check = CHECKS[k];
        if (!check) throw new Error(`no check for expect.${k}`);
        check(result.value, want);
      }
    });
  }

  it('encodes dc09-001 byte for byte (fioletoven/dc09 to_string_test)', () => {
    expect(encodeDc09({ token: 'SIA-DCS', seq: 1, receiver: 'F3', line: '77', account: '1234', data: 'NRR|Atest' })).toBe(cases[0]!.input);
  });

  it('encodes dc09-002 and the NAK of dc09-003 byte for byte', () => {
    expect(encodeDc09({ token: 'SIA-DCS', seq: 1, line: '0', account: '1234' })).toBe(cases[1]!.input);
    expect(encodeDc09Nak(Date.parse('2025-09-24T16:20:01Z'))).toBe(cases[2]!.input);
  });
});

describe('DC-09 encryption (AES-CBC, zero IV, pad before the message)', () => {
  const now = Date.parse('2026-12-05T08:00:00Z');
  for (const bits of [128, 192, 256]) {
    it(`AES-${bits}: an encrypted Contact ID message decodes to what was sent`, () => {
      const key = parseDc09Key('0123456789ABCDEF'.repeat(bits / 64)) as Buffer;
      const data = encodeContactId({ qualifier: 'new', code: 110, partition: 1, zone: 12 });
      const block = encodeDc09({ token: 'ADM-CID', seq: 42, receiver: '1', line: '2', account: '1234', data, timestamp: now }, { key });
      expect(block).toMatch(/^\n[0-9A-F]{8}"\*ADM-CID"0042R1L2#1234\[[0-9A-F]+\r$/);
      const back = decodeDc09(block, { keyFor: (a) => (a === '1234' ? key : undefined) });
      expect(back).toMatchObject({ ok: true, value: { token: 'ADM-CID', encrypted: true, seq: 42, account: '1234', data, timestamp: now } });
      const wrong = parseDc09Key('F'.repeat(bits / 4)) as Buffer;
      expect(decodeDc09(block, { keyFor: () => wrong })).toMatchObject({ ok: false, reason: 'auth' });
    });
  }

  it('the ACK to an encrypted message is encrypted; NAK and DUH are clear', () => {
    const key = parseDc09Key('41'.repeat(16)) as Buffer;
    const sent = decodeDc09(encodeDc09({ token: 'SIA-DCS', seq: 7, line: '1', account: 'ABC123', data: 'Nri1/FA012', timestamp: now }, { key }), { keyFor: () => key });
    if (!sent.ok) throw new Error(sent.detail);
    const ack = decodeDc09(encodeDc09Ack(sent.value, now, key), { keyFor: () => key });
    expect(ack).toMatchObject({ ok: true, value: { token: 'ACK', encrypted: true, seq: 7, line: '1', account: 'ABC123', timestamp: now } });
    expect(decodeDc09(encodeDc09Duh(sent.value, now))).toMatchObject({ ok: true, value: { token: 'DUH', encrypted: false, seq: 7 } });
  });

  it('refuses keys of the wrong size', () => {
    expect(parseDc09Key('00'.repeat(15))).toMatch(/32, 48 or 64/);
    expect(parseDc09Key('zz'.repeat(16))).toMatch(/hex/);
  });
});

describe('Contact ID and SIA DC-03 data', () => {
  it('reads "1110 00 129" as a new fire alarm, zone 129 (pysiaalarm case_adm_cid)', () => {
    expect(decodeContactId('1110 00 129')).toEqual({ qualifier: 'new', code: 110, partition: 0, zone: 129 });
    expect(encodeContactId({ qualifier: 'restore', code: 101, partition: 1, zone: 7 })).toBe('3101 01 007');
  });

  it('reads "Nri1/WA000" and "Nri1/CL501" (pysiaalarm case_wa, case_cl)', () => {
    expect(decodeSiaDcs('Nri1/WA000')).toEqual({ code: 'WA', zone: 0, area: 1 });
    expect(decodeSiaDcs('Nri1/CL501')).toEqual({ code: 'CL', zone: 501, area: 1 });
    expect(encodeSiaDcs({ code: 'FA', zone: 12, area: 1, user: 3 })).toBe('Nri1/id3/FA012');
  });
});

describe('Dc09FrameSplitter', () => {
  it('cuts blocks however the bytes arrive, and reports noise and a block cut short', () => {
    const a = cases[0]!.input;
    const b = cases[1]!.input;
    const s = new Dc09FrameSplitter();
    const out = [...s.push(`xx${a.slice(0, 10)}`), ...s.push(`${a.slice(10)}\n12`), ...s.push(b)];
    expect(out.filter((o) => 'block' in o).map((o) => (o as { block: string }).block)).toEqual([a, b]);
    expect(out.filter((o) => !('block' in o)).map((o) => (o as { reason: string }).reason)).toEqual(['noise', 'truncated']);
  });
});
