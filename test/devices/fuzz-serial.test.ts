import { describe, expect, it } from 'vitest';
import {
  decodeGb26875Frame, encodeComponentStatusData, encodeGb26875Confirm, encodeGb26875Frame, encodeSystemStatusData,
  encodeTransmissionDeviceOperationData, encodeTransmissionDeviceStatusData, Gb26875FrameSplitter, gbToReadings,
  DEFAULT_MAX_APP_BYTES, type GbChecksumKind,
} from '../../devices/codecs/gb26875/index.ts';
import {
  decodeRflinkLine, DEFAULT_MAX_LINE_BYTES, encodeRflinkLine, encodeRflinkTemperature, RflinkLineSplitter, rflinkToFields,
} from '../../devices/codecs/rflink/index.ts';
import { PROFILE_IDS } from '../../devices/profile-ids.ts';
import { chunkStream, loadSerialCases, mutateBytes, randomBytes, Rng } from './serial-fuzz-helpers.ts';

/**
 * Fuzzing the serial chain splitter → decoder → meaning, 100,000+ inputs per codec and part,
 * seeded (a failure names its seed and replays). Properties: nothing throws; buffers stay
 * bounded; good frames interleaved with garbage all come out.
 */
const SEED = 0x26875;
const N = 100_000;

// ---------------------------------------------------------------- GB/T 26875.3
const GB_MAX_FRAME = 31 + DEFAULT_MAX_APP_BYTES; // crc variant is the longer one
const GOOD_MARK = 0x00c0ffee0001;

function gbFrameFor(rng: Rng, serial: number, destination: number, checksum: GbChecksumKind = 'sum8'): Buffer {
  const time = Date.UTC(2024, rng.int(12), 1 + rng.int(28), rng.int(24), rng.int(60), rng.int(60));
  const appData = [
    () => encodeComponentStatusData(Array.from({ length: 1 + rng.int(3) }, () => ({
      systemType: rng.pick([1, 12, 13]), systemAddress: rng.int(256), componentType: rng.pick([0, 23, 31, 42, 96, 121]),
      componentAddress: rng.int(2 ** 32), status: rng.int(0x200), description: rng.pick(['', '３楼东走廊烟感', 'Riser B', '厨房温感']), time,
    }))),
    () => encodeSystemStatusData([{ systemType: 1, systemAddress: rng.int(256), status: rng.int(0x4000), time }]),
    () => encodeTransmissionDeviceStatusData([{ status: rng.int(0x80), time }]),
    () => encodeTransmissionDeviceOperationData([{ operation: rng.int(0x80), operator: rng.int(256), time }]),
    () => undefined,
  ];
  const data = rng.pick(appData)();
  return encodeGb26875Frame({ serial, time, source: rng.int(2 ** 32), destination, command: data ? 2 : 3, ...(data && { appData: data }) }, { checksum });
}

/** Runs one decoded frame through everything the gateway would do with it. */
function consumeGb(frame: Buffer, checksum: GbChecksumKind): { ok: boolean; serial?: number; destination?: number } {
  const d = decodeGb26875Frame(frame, { checksum });
  if (!d.ok) return { ok: false };
  gbToReadings(d.value, 0);
  encodeGb26875Confirm(d.value, undefined, { checksum });
  return { ok: true, serial: d.value.serial, destination: d.value.destination };
}

describe('fuzz: GB/T 26875.3 splitter + decoder', () => {
  const seeds = loadSerialCases('gb26875').map((c) => Buffer.from(c.input, 'hex'));

  it(`${N} random reads (some starting "@@") through one long-lived splitter: no throw, bounded buffer`, () => {
    const rng = new Rng(SEED);
    const splitter = new Gb26875FrameSplitter();
    let maxPending = 0;
    const reasons = new Map<string, number>();
    const count = (r: { reason: string }) => reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    for (let i = 0; i < N; i++) {
      const noise = randomBytes(rng, 60);
      const read = rng.chance(0.3) ? Buffer.concat([Buffer.from('@@'), noise]) : noise;
      const out = splitter.push(read);
      for (const f of out.frames) consumeGb(f, 'sum8');
      out.rejects.forEach(count);
      const direct = decodeGb26875Frame(read); // the decoder alone, on anything
      if (!direct.ok) count(direct);
      maxPending = Math.max(maxPending, splitter.pendingBytes);
    }
    splitter.flush().rejects.forEach(count);
    expect(maxPending).toBeLessThan(GB_MAX_FRAME);
    // The garbage reached every way a splitter refuses bytes.
    for (const reason of ['noise', 'bad_frame', 'oversize', 'truncated']) expect(reasons.get(reason), reason).toBeGreaterThan(0);
  });

  it(`${N} mutated frames (fixtures and generated, both check kinds): no throw, bounded buffer`, () => {
    const rng = new Rng(SEED + 1);
    const pool = [...seeds, ...Array.from({ length: 50 }, (_, i) => gbFrameFor(rng, i, 1))];
    const crcPool = Array.from({ length: 20 }, (_, i) => gbFrameFor(rng, i, 1, 'crc16-modbus'));
    const outcomes = { frames: 0, decoded: 0, rejects: 0, leftAfterFlush: 0 };
    for (let i = 0; i < N; i++) {
      const crc = i % 5 === 0;
      const checksum: GbChecksumKind = crc ? 'crc16-modbus' : 'sum8';
      let input = rng.pick(crc ? crcPool : pool);
      for (let m = 1 + rng.int(3); m > 0; m--) input = mutateBytes(rng, input);
      const splitter = new Gb26875FrameSplitter({ checksum });
      const pushed = splitter.push(input);
      const flushed = splitter.flush();
      outcomes.leftAfterFlush += splitter.pendingBytes;
      for (const f of [...pushed.frames, ...flushed.frames]) {
        outcomes.frames++;
        if (consumeGb(f, checksum).ok) outcomes.decoded++;
      }
      outcomes.rejects += pushed.rejects.length + flushed.rejects.length;
    }
    // Both paths were exercised: mutations that kept a frame intact, and ones that broke it.
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(outcomes.rejects).toBeGreaterThan(0);
    expect(outcomes.leftAfterFlush).toBe(0);
  });

  it('good frames interleaved with garbage in random reads all decode, each exactly once', () => {
    const rng = new Rng(SEED + 2);
    const GOOD = 5_000;
    const garbageSource = Array.from({ length: 30 }, (_, i) => gbFrameFor(rng, 60_000 + i, 0x0bad));
    const parts: Buffer[] = [];
    for (let serial = 0; serial < GOOD; serial++) {
      switch (rng.int(5)) {
        case 0: parts.push(randomBytes(rng, 40)); break; // line noise
        case 1: { const g = rng.pick(garbageSource); parts.push(g.subarray(0, rng.int(g.length))); break; } // cut-off frame
        case 2: { const g = Buffer.from(rng.pick(garbageSource)); g[27] = (g[27] as number) ^ 0x5a; parts.push(g); break; } // bad checksum
        case 3: parts.push(mutateBytes(rng, rng.pick(garbageSource))); break;
        default: break;
      }
      parts.push(gbFrameFor(rng, serial, GOOD_MARK));
    }
    const stream = Buffer.concat(parts);
    const splitter = new Gb26875FrameSplitter();
    const seen: number[] = [];
    let maxPending = 0;
    const take = (frames: Buffer[]) => {
      for (const f of frames) {
        const r = consumeGb(f, 'sum8');
        if (r.ok && r.destination === GOOD_MARK) seen.push(r.serial as number);
      }
    };
    for (const read of chunkStream(rng, stream, 300)) {
      take(splitter.push(read).frames);
      maxPending = Math.max(maxPending, splitter.pendingBytes);
    }
    take(splitter.flush().frames);
    expect(seen).toHaveLength(GOOD);
    expect(seen).toEqual(Array.from({ length: GOOD }, (_, i) => i));
    expect(maxPending).toBeLessThan(GB_MAX_FRAME);
  });
});

// ---------------------------------------------------------------- RFLink
const RFLINK_SEEDS = loadSerialCases('rflink').map((c) => c.input);
const PRINTABLE = ';=0123456789ABCDEFabcdef;ID=SWITCH=CMD=ON;OFF;20;10;11;TEMP=BAT=LOW;\r\n ';

function randomLine(rng: Rng): Buffer {
  if (rng.chance(0.5)) return randomBytes(rng, 80);
  let s = '';
  for (let n = rng.int(80); n > 0; n--) s += PRINTABLE[rng.int(PRINTABLE.length)];
  return Buffer.from(s, 'latin1');
}

function consumeRflink(line: string, rng: Rng): { device: boolean; id?: string } {
  const d = decodeRflinkLine(line);
  if (!d.ok || d.value.kind !== 'device') return { device: false };
  rflinkToFields(d.value, rng.pick(PROFILE_IDS));
  return { device: true, id: d.value.id };
}

describe('fuzz: RFLink splitter + decoder', () => {
  it(`${N} random reads through one long-lived splitter: no throw, bounded buffer`, () => {
    const rng = new Rng(SEED + 10);
    const splitter = new RflinkLineSplitter();
    let maxPending = 0;
    let lines = 0;
    for (let i = 0; i < N; i++) {
      const read = randomLine(rng);
      for (const line of splitter.push(read).frames) {
        lines++;
        consumeRflink(line, rng);
      }
      decodeRflinkLine(read.toString('latin1'));
      maxPending = Math.max(maxPending, splitter.pendingBytes);
    }
    expect(lines).toBeGreaterThan(N / 10);
    expect(maxPending).toBeLessThanOrEqual(DEFAULT_MAX_LINE_BYTES);
  });

  it(`${N} mutated fixture and simulator lines: no throw`, () => {
    const rng = new Rng(SEED + 11);
    const pool = [...RFLINK_SEEDS, ...Array.from({ length: 50 }, (_, i) => encodeRflinkLine({
      protocol: rng.pick(['EV1527', 'FA20RF', 'Atlantic', 'UPM/Esic']), id: i.toString(16).padStart(6, '0'), switch: '01',
      cmd: rng.pick(['ON', 'OFF']), values: { BAT: rng.pick(['OK', 'LOW']), TEMP: encodeRflinkTemperature(rng.int(800) / 10 - 40) },
    }, i))];
    let devices = 0;
    let rejected = 0;
    for (let i = 0; i < N; i++) {
      let input: Buffer = Buffer.from(rng.pick(pool), 'latin1');
      for (let m = 1 + rng.int(3); m > 0; m--) input = mutateBytes(rng, input);
      const r = consumeRflink(input.toString('latin1'), rng);
      if (r.device) devices++;
      else rejected++;
      const splitter = new RflinkLineSplitter();
      for (const line of splitter.push(input).frames) consumeRflink(line, rng);
      splitter.flush();
    }
    expect(devices).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });

  it('good lines interleaved with garbage lines (noise, over-long, binary) all decode, each exactly once', () => {
    const rng = new Rng(SEED + 12);
    const GOOD = 5_000;
    const parts: Buffer[] = [];
    const ids: string[] = [];
    const goodIds = new Set<string>();
    for (let i = 0; i < GOOD; i++) {
      switch (rng.int(4)) {
        case 0: parts.push(randomBytes(rng, 60), Buffer.from('\r\n')); break;
        case 1: parts.push(Buffer.alloc(DEFAULT_MAX_LINE_BYTES + rng.int(3000), 0x41), Buffer.from('\n')); break;
        case 2: parts.push(Buffer.from('20;FF;DEBUG;Pulses=3;Pulses(uSec)=1,2,3;\r\n')); break;
        default: break;
      }
      const id = (0x100000 + i).toString(16);
      ids.push(id);
      goodIds.add(id);
      parts.push(Buffer.from(encodeRflinkLine({ protocol: 'EV1527', id, switch: '01', cmd: 'ON' }, i), 'latin1'));
    }
    const splitter = new RflinkLineSplitter();
    const seen: string[] = [];
    let maxPending = 0;
    for (const read of chunkStream(rng, Buffer.concat(parts), 200)) {
      for (const line of splitter.push(read).frames) {
        const r = consumeRflink(line, rng);
        if (r.device && r.id !== undefined && goodIds.has(r.id)) seen.push(r.id);
      }
      maxPending = Math.max(maxPending, splitter.pendingBytes);
    }
    expect(seen).toEqual(ids);
    expect(maxPending).toBeLessThanOrEqual(DEFAULT_MAX_LINE_BYTES);
  });
});
