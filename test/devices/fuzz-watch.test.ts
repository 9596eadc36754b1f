import { describe, it, expect } from 'vitest';
import { performance } from 'node:perf_hooks';
import { DeviceFields } from '../../contract/index.ts';
import { REJECT_REASONS, type Decoded } from '../../devices/decoded.ts';
import {
  WatchFrameSplitter, decodeWatchFrame, watchReply, watchToFields, encodeWatchFrame, type WatchMessage,
} from '../../devices/codecs/watch3g/index.ts';
import { IwFrameSplitter, decodeIwFrame, iwReply, iwToFields } from '../../devices/codecs/iw/index.ts';
import {
  createCtwingMapping, createOneNetMapping, createGenericJsonMapping, decodePush, type PlatformMapping,
} from '../../devices/codecs/platform/index.ts';
import {
  Rng, randomBytes, mutate, randomJsonValue, loadFixtureCases, flipByte, truncate, duplicateSlice, insertGarbage, deepNest, type Mutator,
} from './fuzz-helpers.ts';

/**
 * Fuzz: seeded (failures reproduce from the seed), random and mutated inputs through the whole
 * chain splitter → decoder → fields/reply, and through the platform decoders. Zero throws,
 * every rejection carries a known reason, and good frames between garbage all still decode.
 */
const CASES = loadFixtureCases('watch-4g');
const WATCH_SEEDS: Buffer[] = [
  ...CASES.filter((c) => !c.input.startsWith('IW')).map((c) => (c.expect.encoding === 'hex' ? Buffer.from(c.input, 'hex') : Buffer.from(c.input, 'latin1'))),
  encodeWatchFrame({ deviceId: '1234567890', type: 'AL', at: 1_700_000_000_000, latitude: 1, longitude: 2, sos: true }),
  encodeWatchFrame({ vendor: 'ZJ', index: '0001', deviceId: '1234567890', type: 'LK', steps: 1, rolls: 2, battery: 3 }),
  encodeWatchFrame({ vendor: 'CS', deviceId: '1', type: 'raw', rawType: 'TK', payload: Buffer.from([0x7d, 0x5b, 0x5d, 0x2c, 0x2a, 1, 2, 3]) }),
];
const IW_SEEDS = CASES.filter((c) => c.input.startsWith('IW')).map((c) => `${c.input}#`).concat(['IWAP00353456789012345#', 'IWAP49,68#']);
const KNOWN = new Set<string>(REJECT_REASONS);

/** Hot-loop check without `expect` (too slow for 100,000 rounds): throws with the round's context. */
function checkDecoded<T>(d: Decoded<T>, round: number): void {
  if (!d.ok && (!KNOWN.has(d.reason) || d.detail.length === 0)) {
    throw new Error(`round ${round}: rejection without a known reason/detail: ${JSON.stringify(d)}`);
  }
}

/** Byte-level damage that matters to the "3G*" framing: its delimiters and escape byte. */
const insertDelimiter: Mutator = (rng, payload) => {
  const at = rng.int(payload.length + 1);
  return payload.slice(0, at) + rng.pick(['[', ']', '*', ',', '}', '\x7d\x09', '\x7d', '#', ' ', '-']) + payload.slice(at);
};
const WATCH_MUTATORS: Mutator[] = [flipByte, truncate, duplicateSlice, insertGarbage, insertDelimiter, insertDelimiter];

function mutateBytes(rng: Rng, payload: string): Buffer {
  let out: string | Buffer = payload;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const m = rng.chance(0.01) ? deepNest : rng.pick(WATCH_MUTATORS);
    out = m(rng, typeof out === 'string' ? out : out.toString('latin1'));
  }
  return typeof out === 'string' ? Buffer.from(out, 'latin1') : out;
}

function chunks(rng: Rng, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = 1 + rng.int(rng.chance(0.2) ? 8 : 400);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

function watchInput(rng: Rng): Buffer {
  if (rng.chance(0.2)) return randomBytes(rng, 120);
  return mutateBytes(rng, rng.pick(WATCH_SEEDS).toString('latin1'));
}

describe('watch chain fuzz', () => {
  it('100,000 random and mutated inputs through splitter → decoder → fields/reply: no throw', () => {
    const rng = new Rng(0x3a3a3a);
    const splitter = new WatchFrameSplitter({ maxFrameBytes: 4096 });
    let frames = 0;
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) {
      const input = watchInput(rng);
      for (const chunk of chunks(rng, input)) {
        const out = splitter.push(chunk);
        for (const r of out.rejects) checkDecoded(r, i);
        for (const frame of out.frames) {
          frames++;
          const d = decodeWatchFrame(frame);
          checkDecoded(d, i);
          if (!d.ok) continue;
          accepted++;
          watchReply(d.value);
          const f = watchToFields(d.value);
          if (accepted % 16 === 0 && !DeviceFields.safeParse(f.fields).success) throw new Error(`round ${i}: fields off contract ${JSON.stringify(f.fields)}`);
        }
        if (splitter.pendingBytes > 4096) throw new Error(`round ${i}: splitter holds ${splitter.pendingBytes} bytes`);
      }
    }
    expect(frames).toBeGreaterThan(50_000);
    expect(accepted).toBeGreaterThan(10_000);
  });

  it('good frames interleaved with garbage, read in random chunks, all decode unchanged', () => {
    const rng = new Rng(0xbeef);
    const expected: WatchMessage[] = [];
    const parts: Buffer[] = [];
    for (let i = 0; i < 5_000; i++) {
      parts.push(rng.chance(0.3) ? Buffer.from(`[${randomBytes(rng, 30).toString('latin1')}`) : randomBytes(rng, 60));
      const good = rng.pick(WATCH_SEEDS);
      parts.push(good);
      const d = decodeWatchFrame(good);
      if (!d.ok) throw new Error('seed does not decode');
      expected.push(d.value);
    }
    // an unterminated frame longer than the bound in the middle, too
    parts.splice(5_000, 0, Buffer.concat([Buffer.from('[3G*1*0002*TK,'), Buffer.alloc(10_000, 0x41)]));
    const splitter = new WatchFrameSplitter({ maxFrameBytes: 4096 });
    const got: WatchMessage[] = [];
    for (const chunk of chunks(rng, Buffer.concat(parts))) {
      for (const frame of splitter.push(chunk).frames) {
        const d = decodeWatchFrame(frame);
        if (d.ok) got.push(d.value);
      }
    }
    // garbage may add frames of its own; the good ones must all be there, in order
    let at = 0;
    for (const msg of got) if (at < expected.length && JSON.stringify(msg) === JSON.stringify(expected[at])) at++;
    expect(at).toBe(expected.length);
  });

  it('IW chain: 20,000 random and mutated inputs, no throw', () => {
    const rng = new Rng(0x1717);
    const splitter = new IwFrameSplitter({ maxFrameBytes: 2048 });
    for (let i = 0; i < 20_000; i++) {
      const out = splitter.push(rng.chance(0.2) ? randomBytes(rng, 80) : mutateBytes(rng, rng.pick(IW_SEEDS)));
      for (const r of out.rejects) checkDecoded(r, i);
      for (const frame of out.frames) {
        const d = decodeIwFrame(frame);
        checkDecoded(d, i);
        if (d.ok) { iwReply(d.value, 0); iwToFields(d.value); }
      }
    }
  });

  it('measures decode throughput (reported, not asserted)', () => {
    const stream = Buffer.concat(WATCH_SEEDS);
    const splitter = new WatchFrameSplitter();
    let frames = 0;
    const start = performance.now();
    while (performance.now() - start < 300) {
      for (const frame of splitter.push(stream).frames) {
        const d = decodeWatchFrame(frame);
        if (d.ok) watchToFields(d.value);
        frames++;
      }
    }
    const perSecond = Math.round(frames / ((performance.now() - start) / 1000));
    console.log(`watch3g splitter+decode+fields: ${perSecond.toLocaleString('en')} frames/s`);
    expect(frames).toBeGreaterThan(0);
  });
});

// --- platform decoders ---------------------------------------------------------------------

const CTWING_SEEDS = [
  '{"upPacketSN":-1,"upDataSN":-1,"topic":"v1/up/ad19prof","timestamp":1606982320277,"tenantId":"10461180","serviceId":"","protocol":"lwm2m","productId":"15014772","payload":{"serviceId":"notification","serviceData":{"TData":30,"SNR":1,"RSRP":114,"IMEI":"860374051096202","Cell_ID_Length":8,"Cell_ID":"38848339","CSQ":5,"Battery_Level":100,"Alarm_Status":2,"AlarmLevel":100}},"messageType":"dataReport","deviceType":"","deviceId":"acf7baaee65e431eadfb8f5fe50e8b81","assocAssetId":"","IMSI":"undefined","IMEI":"860374051096202"}',
  '{"timestamp":1589444231825,"tenantId":"10461180","protocol":"lwm2m","productId":"10053421","messageType":"deviceOnlineOfflineReport","iccid":"undefined","eventType":1,"deviceId":"44d0b9e48d404094bbbcf889e4e64ece"}',
  '{"timestamp":1619523767263,"tenantId":"2000033827","serviceId":1002,"protocol":"lwm2m","productId":"15045240","messageType":"eventReport","eventType":2,"eventContent":{"battery_voltage":1,"battery_state":1},"deviceSn":"","deviceId":"d01308047f864601a821e02dc328eab4","IMSI":"undefined","IMEI":"161941770261953"}',
  '{"upPacketSN":"","upDataSN":"","topic":"v1/up/ad","timestamp":1589444235861,"tenantId":"10461180","serviceId":"","protocol":"lwm2m","productId":"10053421","payload":{"APPdata":"UFUAPBAAAAYBAAMAJwMnuwpogDAwYGckCQYAAQAADjxkZAJVcVCnAAAAAAAAAEYAAAAAAAAAAAEDJ7sKAAAAAA=="},"messageType":"dataReport","deviceType":"","deviceId":"44d0b9e48d404094bbbcf889e4e64ece","assocAssetId":"","IMSI":"undefined","IMEI":"860803030676429"}',
];
const ONENET_SEEDS = [
  '{"msg":{"at":1555904805407,"imei":"861931046156398","type":1,"ds_id":"3300_0_5700","value":-115,"dev_id":523444202},"msg_signature":"9XFwVl4VRJ2Lub2ryUJK8g==","nonce":"C1z3?giR"}',
  '{"msg":[{"at":1000,"login_type":10,"type":2,"dev_id":42,"status":1},{"at":1001,"type":1,"ds_id":"smoke_state","value":1,"dev_id":42}],"msg_signature":"x","nonce":"abcdefgh"}',
];
const GENERIC_SEEDS = [
  '{"events":[{"eventId":"e-1","device":{"imei":"860000000000001"},"time":"2024-05-01T10:00:00+08:00","data":{"alarm":"fire","batt":87,"t10":215}}]}',
];
const KEYS = ['messageType', 'deviceId', 'timestamp', 'payload', 'serviceData', 'APPdata', 'eventContent', 'eventType', 'productId',
  'msg', 'type', 'dev_id', 'ds_id', 'at', 'value', 'status', 'imei', 'enc_msg', 'id', 'events', 'device', 'time', 'data', 'alarm',
  'smoke_state', 'battery_value', 'battery_state', 'error_code', 'smoke', 'battery'];

const PLATFORMS: Array<[string, PlatformMapping, string[], string | undefined]> = [
  ['ctwing', createCtwingMapping({ products: { '15014772': { fields: { Battery_Level: { field: 'battery' } }, decodeAppData: (b) => ({ battery: b[0] }) } } }), CTWING_SEEDS, undefined],
  ['onenet', createOneNetMapping(), ONENET_SEEDS, 'token'],
  ['generic', createGenericJsonMapping({
    name: 'vendor', itemsPath: 'events', deviceIdPath: 'device.imei', messageIdPath: 'eventId', tsPath: 'time',
    fields: { smoke: { path: 'data.alarm', map: { fire: true } }, battery: 'data.batt' },
  }), GENERIC_SEEDS, undefined],
];

describe('platform decoder fuzz', () => {
  for (const [name, mapping, seeds, secret] of PLATFORMS) {
    it(`${name}: 35,000 random and mutated pushes, no throw, known reasons only`, () => {
      const rng = new Rng(name.length * 7919);
      let accepted = 0;
      for (let i = 0; i < 35_000; i++) {
        if (rng.chance(0.3)) {
          // a random JSON value straight into decode (bodies the parser could produce)
          const d = mapping.decode(randomJsonValue(rng, KEYS, 4), rng.chance(0.5) ? 1 : undefined);
          checkDecoded(d, i);
          continue;
        }
        const raw = rng.chance(0.05) ? randomBytes(rng, 200) : mutate(rng, rng.pick(seeds));
        const body = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
        const d = decodePush(mapping, { headers: {}, rawBody: body, query: rng.chance(0.5) ? { token: 'token' } : {} }, rng.chance(0.5) ? secret : undefined, 1_700_000_000_000);
        checkDecoded(d, i);
        if (d.ok) {
          accepted++;
          for (const m of d.value) {
            if (m.messageId.length === 0) throw new Error(`round ${i}: empty message id`);
            if (accepted % 8 === 0 && !DeviceFields.safeParse(m.fields).success) throw new Error(`round ${i}: fields off contract ${JSON.stringify(m.fields)}`);
          }
        }
      }
      expect(accepted).toBeGreaterThan(100);
    });
  }

  it('onenet URL verification: 5,000 random queries, no throw', () => {
    const rng = new Rng(99);
    const onenet = createOneNetMapping();
    for (let i = 0; i < 5_000; i++) {
      const q: Record<string, string | undefined> = {};
      for (const k of ['msg', 'nonce', 'signature']) if (rng.chance(0.8)) q[k] = randomBytes(rng, 20).toString('latin1');
      checkDecoded(onenet.answerVerification!(q, rng.chance(0.5) ? 'token' : undefined), i);
    }
  });
});
