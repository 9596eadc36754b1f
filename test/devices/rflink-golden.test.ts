import { describe, expect, it } from 'vitest';
import type { ProfileId } from '../../devices/profile-ids.ts';
import {
  decodeRflinkLine, RflinkLineSplitter, rflinkMeasurements, rflinkToFields, type RflinkLine, type RflinkMessage,
} from '../../devices/codecs/rflink/index.ts';
import { FixtureLedger } from './fixture-ledger.ts';
import { loadSerialCases } from './serial-fuzz-helpers.ts';

/**
 * Every RFLink fixture case (test/fixtures/rflink, README §2) as a golden test. Each `expect`
 * key has a check; a key without one fails, so a new fact cannot pass unchecked. Meanings the
 * line alone cannot carry (smoke, motion, door open, doorbell) are read through the profile the
 * site file would give the device.
 */
const cases = loadSerialCases('rflink');
const ledger = new FixtureLedger('rflink', cases);

function device(line: RflinkLine): RflinkMessage {
  if (line.kind !== 'device') throw new Error(`expected a device message, got ${line.kind}`);
  return line;
}

function fields(line: RflinkLine, profile: ProfileId) {
  const f = rflinkToFields(device(line), profile);
  if (!f.ok) throw new Error(`${f.reason}: ${f.detail}`);
  return f.value;
}

const measured = (line: RflinkLine) => rflinkMeasurements(device(line).values).measurements;

type Check = (line: RflinkLine, want: unknown) => void;
const CHECKS: Record<string, Check> = {
  node: (l, want) => expect(l.node).toBe(want),
  seq: (l, want) => expect('seq' in l && l.seq).toBe(want),
  protocol: (l, want) => expect(device(l).protocol).toBe(want),
  id: (l, want) => expect(device(l).id).toBe(want),
  switch: (l, want) => expect(device(l).switch).toBe(want),
  cmd: (l, want) => expect(device(l).cmd).toBe(want),
  smoke: (l, want) => expect(fields(l, 'smoke-detector').smoke).toBe(want),
  motion: (l, want) => expect(fields(l, 'motion-sensor').occupancy).toBe(want),
  alarm: (l, want) => expect(device(l).cmd === 'ON').toBe(want),
  door_open: (l, want) => expect(fields(l, 'door-contact').contact).toBe(!want), // contact: true = closed
  doorbell: (l, want) => expect(fields(l, 'call-button').action === 'emergency').toBe(want),
  chime: (l, want) => {
    expect(device(l).values.CHIME).toMatch(/^[0-9A-Fa-f]+$/); // kept as the string printed
    expect(parseInt(device(l).values.CHIME ?? '', 10)).toBe(want);
  },
  temperature_c: (l, want) => expect(measured(l).temperatureC).toBe(want),
  humidity: (l, want) => expect(measured(l).humidity).toBe(want),
  rain_mm: (l, want) => expect(measured(l).rainMm).toBe(want),
  wind_kmh: (l, want) => expect(measured(l).windKmh).toBe(want),
  wind_direction_index: (l, want) => expect(measured(l).windDirectionIndex).toBe(want),
  battery_low: (l, want) => {
    expect(measured(l).batteryLow).toBe(want);
    expect(fields(l, 'smoke-detector').battery_low).toBe(want);
  },
  reply: (l, want) => expect(l).toMatchObject({ kind: 'reply', text: want }),
  debug: (l, want) => expect(l.kind === 'debug').toBe(want),
  is_device_event: (l, want) => expect(l.kind === 'device').toBe(want),
};
const INFORMATIONAL = new Set(['note']);

function checkAll(id: string, line: RflinkLine, expected: Record<string, unknown>, skip: readonly string[] = []): void {
  for (const [key, want] of Object.entries(expected)) {
    if (INFORMATIONAL.has(key) || skip.includes(key)) continue;
    const check = CHECKS[key];
    if (!check) throw new Error(`no check for expect key "${key}"`);
    check(line, want);
    ledger.check(id, key);
  }
}

describe('RFLink golden fixtures', () => {
  for (const c of cases) {
    const e = c.expect;
    if (c.chunks) {
      it(`${c.id}: a line split across reads is emitted once, after read ${String(e.emit_after)}`, () => {
        const splitter = new RflinkLineSplitter();
        // The fixture quotes each read as logged; the logger dropped the firmware's `\r\n` (README §2: every line ends `;\r\n`).
        const reads = c.chunks!.map((chunk, i) => (i === c.chunks!.length - 1 ? `${chunk}\r\n` : chunk));
        const emittedAt: number[] = [];
        const lines: string[] = [];
        reads.forEach((read, i) => {
          const out = splitter.push(Buffer.from(read, 'latin1'));
          expect(out.rejects).toEqual([]);
          if (out.frames.length > 0) emittedAt.push(i + 1);
          lines.push(...out.frames);
        });
        expect(emittedAt).toEqual([e.emit_after]);
        ledger.check(c.id, 'emit_after');
        expect(lines).toEqual([e.complete_line]);
        ledger.check(c.id, 'complete_line');
        const decoded = decodeRflinkLine(lines[0] as string);
        if (!decoded.ok) throw new Error(decoded.detail);
        checkAll(c.id, decoded.value, e, ['complete_line', 'emit_after']);
        expect(device(decoded.value)).toMatchObject({ protocol: 'EV1527', id: '045a42', switch: '06', cmd: 'ON' });
        ledger.finish(c.id);
      });
      continue;
    }
    it(`${c.id}: one line through the splitter, decoded to every expected fact`, () => {
      const out = new RflinkLineSplitter().push(Buffer.from(`${c.input}\r\n`, 'latin1'));
      expect(out.rejects).toEqual([]);
      expect(out.frames).toEqual([c.input.replace(/\r$/, '')]);
      const decoded = decodeRflinkLine(c.input); // the decoder alone also copes with the stray CR
      if (!decoded.ok) throw new Error(`${decoded.reason}: ${decoded.detail}`);
      checkAll(c.id, decoded.value, e);
      ledger.finish(c.id);
    });
  }

  // Runs after every case above (tests of a file run in order): the ledger says what they did.
  it('covers every case in the fixture file, each fact compared', () => {
    ledger.expectComplete();
  });
});
