import { describe, expect, it } from 'vitest';
import {
  decodeDescription, decodeGb26875Frame, encodeDescription, formatGbAddress, formatGbFrameTime, Gb26875FrameSplitter, gbToReadings, sum8,
  type GbFrame, type GbInfoUnit,
} from '../../devices/codecs/gb26875/index.ts';
import { FixtureLedger } from './fixture-ledger.ts';
import { loadSerialCases } from './serial-fuzz-helpers.ts';

/**
 * Every GB/T 26875.3 fixture case (test/fixtures/gb26875, README §3) as a golden test. Each
 * `expect` key has a check below; a key without one fails the test, so a new fact in the
 * fixtures cannot pass unchecked, and the ledger proves at the end that every case the README
 * counts ran and had each of its facts compared.
 */
const cases = loadSerialCases('gb26875');
const ledger = new FixtureLedger('gb26875', cases);
const INFORMATIONAL = new Set(['note']);
const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

type Check = (frame: GbFrame, want: unknown) => void;
const FRAME_CHECKS: Record<string, Check> = {
  serial: (f, want) => expect(f.serial).toBe(want),
  version: (f, want) => expect(f.version).toEqual(want),
  time: (f, want) => {
    expect(formatGbFrameTime(f)).toBe(want);
    // Panel wall time read at the default +08:00 (README §3: the reference tests assume UTC+8).
    expect(f.time).toBe(Date.parse(`${String(want).replace(' ', 'T')}+08:00`));
  },
  source: (f, want) => expect(formatGbAddress(f.source)).toBe(want),
  destination: (f, want) => expect(formatGbAddress(f.destination)).toBe(want),
  app_data_length: (f, want) => expect(f.appDataLength).toBe(want),
  command: (f, want) => expect(f.command).toBe(want),
  command_name: (f, want) => expect(f.commandName).toBe(want),
  checksum: (f, want) => expect(hex2(f.checksum)).toBe(want),
  info_type: (f, want) => expect(f.appType).toBe(want),
  info_type_name: (f, want) => expect(f.appTypeName).toBe(want),
  object_count: (f, want) => expect(f.units).toHaveLength(want as number),
  objects: (f, want) => {
    const objects = want as Record<string, unknown>[];
    expect(f.units).toHaveLength(objects.length);
    objects.forEach((o, i) => checkObject(f.units[i] as GbInfoUnit, o));
  },
  type: (f, want) => checkMeaning(f, want as string),
};

type UnitCheck = (u: Record<string, unknown>, want: unknown) => void;
const OBJECT_CHECKS: Record<string, UnitCheck> = {
  system_type: (u, want) => expect(u.systemType).toBe(want),
  system_type_name: (u, want) => expect(u.systemTypeName).toBe(want),
  system_address: (u, want) => expect(u.systemAddress).toBe(want),
  component_type: (u, want) => expect(u.componentType).toBe(want),
  component_type_name: (u, want) => expect(u.componentTypeName).toBe(want),
  component_address: (u, want) => expect(u.componentAddress).toBe(want),
  status_raw: (u, want) => expect(hex4(u.statusRaw as number)).toBe(want),
  status: (u, want) => {
    for (const [flag, value] of Object.entries(want as Record<string, boolean>)) expect(u.status, flag).toHaveProperty(flag, value);
  },
  description: (u, want) => expect(u.description).toBe(want),
  description_encoding: (u) => {
    // "GB18030, NUL-padded to 31 bytes": our encoder reproduces such a field and it decodes back.
    const field = encodeDescription(u.description as string);
    expect(field).toHaveLength(31);
    expect(field?.[field.length - 1]).toBe(0);
    expect(decodeDescription(field as Uint8Array)).toBe(u.description);
  },
  time: (u, want) => expect(u.panelTime).toBe(want),
  operation_raw: (u, want) => expect(hex2(u.operationRaw as number)).toBe(want),
  operation: (u, want) => {
    for (const [flag, value] of Object.entries(want as Record<string, boolean>)) expect(u.operation, flag).toHaveProperty(flag, value);
  },
  operator: (u, want) => expect(u.operator).toBe(want),
  reserved: (u, want) => expect((u.raw as Buffer)[0]).toBe(want),
};

function checkObject(unit: GbInfoUnit, want: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(want)) {
    const check = OBJECT_CHECKS[key];
    if (!check) throw new Error(`no check for object key "${key}"`);
    check(unit as unknown as Record<string, unknown>, value);
  }
}

/** `type` is the case's meaning in one word; say it through what the gateway will act on. */
function checkMeaning(frame: GbFrame, meaning: string): void {
  const readings = gbToReadings(frame, 0);
  switch (meaning) {
    case 'fire_alarm':
      expect(readings.some((r) => r.fields.smoke === true || r.fields.heat === true)).toBe(true);
      return;
    case 'fault':
      expect(readings.length).toBeGreaterThan(0);
      expect(readings.every((r) => r.fields.fault === true && r.fields.smoke !== true)).toBe(true);
      return;
    case 'operation':
      expect(frame.units.every((u) => u.kind === 'system_operation' || u.kind === 'transmission_device_operation')).toBe(true);
      return;
    case 'command':
      expect([1, 4]).toContain(frame.command);
      expect(readings).toEqual([]);
      return;
    case 'confirm':
      expect(frame.command).toBe(3);
      expect(frame.units).toEqual([]);
      return;
    default:
      throw new Error(`no check for meaning "${meaning}"`);
  }
}

describe('GB/T 26875.3 golden fixtures', () => {
  for (const c of cases) {
    const e = c.expect as Record<string, unknown>;
    const bytes = Buffer.from(c.input, 'hex');
    const checked = (key: string) => ledger.check(c.id, key);

    if (e.frames !== undefined) {
      it(`${c.id}: one read holding ${e.frames} frames yields each`, () => {
        const out = new Gb26875FrameSplitter().push(bytes);
        expect(out.rejects).toEqual([]);
        expect(out.frames).toHaveLength(e.frames as number);
        checked('frames');
        const commands = out.frames.map((f) => { const d = decodeGb26875Frame(f); return d.ok ? d.value.command : d.reason; });
        expect(commands).toEqual(e.commands);
        checked('commands');
        ledger.finish(c.id);
      });
      continue;
    }

    if (e.valid === true) {
      it(`${c.id}: splits to one frame and decodes every expected fact`, () => {
        const splitter = new Gb26875FrameSplitter();
        const out = splitter.push(bytes);
        expect(out.rejects).toEqual([]);
        expect(out.frames).toHaveLength(1);
        expect(splitter.pendingBytes).toBe(0);
        const decoded = decodeGb26875Frame(out.frames[0] as Buffer);
        expect(decoded.ok ? true : `${decoded.reason}: ${decoded.detail}`).toBe(e.valid);
        checked('valid');
        if (!decoded.ok) return;
        for (const [key, want] of Object.entries(e)) {
          if (INFORMATIONAL.has(key) || key === 'valid') continue;
          const check = FRAME_CHECKS[key];
          if (!check) throw new Error(`no check for expect key "${key}"`);
          check(decoded.value, want);
          checked(key);
        }
        ledger.finish(c.id);
      });
      continue;
    }

    it(`${c.id}: rejected as ${String(e.error)}, consuming what the reference decoder consumes`, () => {
      // Only a case that says it is invalid is tested as a rejection (a missing `valid` fails here).
      expect(e.valid).toBe(false);
      const splitter = new Gb26875FrameSplitter();
      const out = splitter.push(bytes);
      expect(out.frames).toEqual([]);
      const direct = decodeGb26875Frame(bytes);
      expect(direct.ok).toBe(e.valid);
      checked('valid');
      switch (e.error) {
        case 'incomplete':
          // Fewer bytes than the frame needs → wait: consume nothing, report nothing yet.
          expect(out.rejects).toEqual([]);
          expect(splitter.pendingBytes).toBe(e.have_bytes);
          checked('have_bytes');
          expect(bytes.length - splitter.pendingBytes).toBe(e.consume);
          checked('consume');
          expect(direct).toMatchObject({ reason: 'truncated' });
          break;
        case 'trailer':
          expect(out.rejects[0]).toMatchObject({ reason: 'bad_frame' });
          expect(out.rejects[0]?.detail).toMatch(/trailer/);
          expect(direct).toMatchObject({ reason: 'bad_frame' });
          if (e.consume !== undefined) {
            expect(out.rejects[0]?.detail).toContain(`dropped ${e.consume} byte(s)`);
            checked('consume');
          }
          expect(splitter.pendingBytes).toBe(0);
          break;
        default:
          throw new Error(`no check for error "${String(e.error)}"`);
      }
      checked('error');
      if (e.trailer_in_frame !== undefined) {
        const size = 30 + bytes.readUInt16LE(24);
        expect(bytes.subarray(size - 2, size).toString('hex')).toBe(e.trailer_in_frame);
        checked('trailer_in_frame');
      }
      if (e.checksum_ok !== undefined) {
        const size = 30 + bytes.readUInt16LE(24);
        expect(sum8(bytes, 2, size - 3) === bytes[size - 3]).toBe(e.checksum_ok);
        checked('checksum_ok');
      }
      ledger.finish(c.id);
    });
  }

  // Runs after every case above (tests of a file run in order): the ledger says what they did.
  it('covers every case in the fixture file, each fact compared', () => {
    ledger.expectComplete();
  });
});
