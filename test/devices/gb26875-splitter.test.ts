import { describe, expect, it } from 'vitest';
import {
  crc16Modbus, decodeGb26875Frame, Gb26875FrameSplitter, DEFAULT_MAX_APP_BYTES,
} from '../../devices/codecs/gb26875/index.ts';
import { loadSerialCases } from './serial-fuzz-helpers.ts';

const byId = (prefix: string) => {
  const c = loadSerialCases('gb26875').find((k) => k.id.startsWith(prefix));
  if (!c) throw new Error(`no fixture ${prefix}`);
  return Buffer.from(c.input, 'hex');
};
const FIRE = byId('gb-001'); // 78-byte fire alarm
const CONFIRM = byId('gb-011'); // 30-byte confirm
const BAD_TRAILER = byId('gb-003');
const CRC_VARIANT = byId('gb-009');
const TWO_COMPONENTS = byId('gb-013');

function pushAll(splitter: Gb26875FrameSplitter, chunks: Buffer[]) {
  const frames: Buffer[] = [];
  const rejects: string[] = [];
  for (const c of chunks) {
    const out = splitter.push(c);
    frames.push(...out.frames);
    rejects.push(...out.rejects.map((r) => r.reason));
  }
  return { frames, rejects };
}

describe('Gb26875FrameSplitter: stream rules (README §3)', () => {
  it('waits for the rest of a frame split across reads, at every split point', () => {
    for (let cut = 1; cut < FIRE.length; cut++) {
      const s = new Gb26875FrameSplitter();
      const first = s.push(FIRE.subarray(0, cut));
      expect(first.frames, `cut ${cut}`).toEqual([]);
      expect(first.rejects, `cut ${cut}`).toEqual([]);
      const second = s.push(FIRE.subarray(cut));
      expect(second.frames, `cut ${cut}`).toEqual([FIRE]);
      expect(s.pendingBytes).toBe(0);
    }
  });

  it('delivers byte-at-a-time reads as whole frames', () => {
    const stream = Buffer.concat([CONFIRM, FIRE, TWO_COMPONENTS]);
    const { frames, rejects } = pushAll(new Gb26875FrameSplitter(), [...stream].map((b) => Buffer.of(b)));
    expect(frames).toEqual([CONFIRM, FIRE, TWO_COMPONENTS]);
    expect(rejects).toEqual([]);
  });

  it('drops noise between frames and reports each run once as noise', () => {
    const noise = Buffer.from('00ff2323400a', 'hex'); // includes "##" and a lone "@"
    const { frames, rejects } = pushAll(new Gb26875FrameSplitter(), [Buffer.concat([noise, FIRE, noise, CONFIRM])]);
    expect(frames).toEqual([FIRE, CONFIRM]);
    expect(rejects).toEqual(['noise', 'noise']);
  });

  it('keeps a lone trailing "@" as the possible first half of the next start', () => {
    const s = new Gb26875FrameSplitter();
    expect(s.push(FIRE.subarray(0, 1))).toEqual({ frames: [], rejects: [] });
    expect(s.pendingBytes).toBe(1);
    expect(s.push(FIRE.subarray(1)).frames).toEqual([FIRE]);
  });

  it('drops a frame with a bad checksum whole, then decodes the good frame after it', () => {
    const bad = Buffer.from(FIRE);
    bad[75] = (bad[75] as number) ^ 0xff;
    const out = new Gb26875FrameSplitter().push(Buffer.concat([bad, FIRE]));
    expect(out.rejects.map((r) => r.reason)).toEqual(['bad_checksum']);
    expect(out.rejects[0]?.detail).toMatch(/dropped 78 byte/);
    expect(out.frames).toEqual([FIRE]);
  });

  it('drops the declared frame on a bad trailer (gb-003: 78 bytes) and carries on', () => {
    const out = new Gb26875FrameSplitter().push(Buffer.concat([BAD_TRAILER, CONFIRM]));
    expect(out.rejects.map((r) => r.reason)).toEqual(['bad_frame']);
    expect(out.frames).toEqual([CONFIRM]);
  });

  it('resumes at an "@@" inside a dropped span: a cut-off frame does not swallow the fire alarm after it', () => {
    const cutOff = FIRE.subarray(0, 40); // declares 48 bytes of app data, has 13
    const out = new Gb26875FrameSplitter().push(Buffer.concat([cutOff, FIRE, CONFIRM]));
    expect(out.rejects.map((r) => r.reason)).toEqual(['bad_frame']);
    expect(out.frames).toEqual([FIRE, CONFIRM]);
  });

  it('rejects a declared length over the bound as oversize without waiting for it', () => {
    const huge = Buffer.from(FIRE.subarray(0, 26));
    huge.writeUInt16LE(DEFAULT_MAX_APP_BYTES + 1, 24);
    const s = new Gb26875FrameSplitter();
    const out = s.push(Buffer.concat([huge, CONFIRM]));
    expect(out.rejects.map((r) => r.reason)).toEqual(['oversize', 'noise']);
    expect(out.frames).toEqual([CONFIRM]);
    expect(s.pendingBytes).toBe(0);
  });

  it('never holds more than one maximal frame, whatever arrives', () => {
    const s = new Gb26875FrameSplitter();
    const header = Buffer.from(FIRE.subarray(0, 26));
    header.writeUInt16LE(DEFAULT_MAX_APP_BYTES, 24);
    s.push(header);
    for (let i = 0; i < 100; i++) s.push(Buffer.alloc(100, 0x11));
    expect(s.pendingBytes).toBeLessThanOrEqual(30 + DEFAULT_MAX_APP_BYTES);
  });

  it('flush(): a frame the idle line will never finish is truncated; complete frames inside it are salvaged', () => {
    const s = new Gb26875FrameSplitter();
    const pushed = s.push(Buffer.concat([FIRE.subarray(0, 40), CONFIRM])); // 70 < 78: still waiting
    expect(pushed.frames).toEqual([]);
    const flushed = s.flush();
    expect(flushed.rejects.map((r) => r.reason)).toEqual(['truncated']);
    expect(flushed.frames).toEqual([CONFIRM]);
    expect(s.pendingBytes).toBe(0);
  });

  it('"#" is 0x23, not 0x35: a frame ending 35 35 (chengming0916/GB26875\'s constant) is a bad trailer', () => {
    const wrongEnd = Buffer.from(FIRE);
    wrongEnd[76] = 0x35;
    wrongEnd[77] = 0x35;
    const out = new Gb26875FrameSplitter().push(wrongEnd);
    expect(out.frames).toEqual([]);
    expect(out.rejects.map((r) => r.reason)).toEqual(['bad_frame']);
    expect(decodeGb26875Frame(wrongEnd)).toMatchObject({ ok: false, reason: 'bad_frame' });
    expect(FIRE.subarray(76)).toEqual(Buffer.from('##'));
  });
});

describe('vendor variant with a CRC-16/MODBUS check field (gb-009), chosen by configuration', () => {
  it('is a bad frame on a standard (sum8) port: the variant is never guessed', () => {
    const out = new Gb26875FrameSplitter().push(CRC_VARIANT);
    expect(out.frames).toEqual([]);
    expect(out.rejects[0]?.reason).toBe('bad_frame');
  });

  it('is the gb-001 fire alarm on a port configured for crc16-modbus', () => {
    const s = new Gb26875FrameSplitter({ checksum: 'crc16-modbus' });
    const out = s.push(CRC_VARIANT);
    expect(out.rejects).toEqual([]);
    expect(out.frames).toHaveLength(1);
    const variant = decodeGb26875Frame(out.frames[0] as Buffer, { checksum: 'crc16-modbus' });
    const standard = decodeGb26875Frame(FIRE);
    if (!variant.ok || !standard.ok) throw new Error('both must decode');
    expect(variant.value.units).toEqual(standard.value.units);
    expect(variant.value.checksum).toBe(0x24d4); // d4 24 on the wire, low byte first
    expect(crc16Modbus(CRC_VARIANT, 2, 75)).toBe(0x24d4);
  });

  it('never yields a standard frame on a crc16-modbus port', () => {
    const s = new Gb26875FrameSplitter({ checksum: 'crc16-modbus' });
    const pushed = s.push(FIRE); // the variant's frame is one byte longer: wait for it
    expect(pushed.frames).toEqual([]);
    const flushed = s.flush();
    expect(flushed.frames).toEqual([]);
    expect(flushed.rejects.map((r) => r.reason)).toEqual(['truncated']);
    expect(decodeGb26875Frame(FIRE, { checksum: 'crc16-modbus' }).ok).toBe(false);
  });

  it('CRC-16/MODBUS matches its check value ("123456789" → 0x4B37)', () => {
    expect(crc16Modbus(Buffer.from('123456789'), 0, 9)).toBe(0x4b37);
  });
});
