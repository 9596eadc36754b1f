import { describe, it, expect } from 'vitest';
import { DeviceFields } from '../../contract/index.ts';
import {
  WatchFrameSplitter, decodeWatchFrame, watchReply, watchToFields, encodeWatchFrame,
  decodeWatchStatus, watchTimeToEpoch, type WatchMessage,
} from '../../devices/codecs/watch3g/index.ts';
import { Watch3gProtocol } from '../../gateway/watch/watch3g-protocol.ts';
import type { SiteRegistry } from '../../gateway/site/site-registry.ts';
import { FixtureLedger, readmeCount } from './fixture-ledger.ts';
import { loadFixtureCases, type FixtureCase } from './fuzz-helpers.ts';

/**
 * "3G*" watch protocol (fixture README §4; traccar WatchProtocolDecoderTest / WatchFrameDecoderTest).
 * Every fixture case is a golden test; the facts the README states without a fixture line
 * (several frames per read, leading spaces, sign over hemisphere, index frames, vitals variants)
 * are specified below with frames assembled from those facts.
 */
const CASES = loadFixtureCases('watch-4g').filter((c) => !c.input.startsWith('IW'));

function bytesOf(c: FixtureCase): Buffer {
  return c.expect.encoding === 'hex' ? Buffer.from(c.input, 'hex') : Buffer.from(c.input, 'latin1');
}

function decodeOk(frame: Buffer | string): WatchMessage {
  const d = decodeWatchFrame(typeof frame === 'string' ? Buffer.from(frame, 'latin1') : frame);
  if (!d.ok) throw new Error(`rejected: ${d.reason} ${d.detail}`);
  return d.value;
}

/** `47.083950N` → 47.08395, `81.354333W` → -81.354333, `0E` → 0. */
function signedCoordinate(text: string): number {
  const n = Number(text.slice(0, -1));
  return /[SW]$/.test(text) ? -n : n;
}

const ALARM_NAMES: Record<string, string> = { sos: 'sos', fall_down: 'fall_down', low_battery: 'low_battery' };

/** What the "3G*" protocol handler of the gateway makes of a frame (it counts `lengthMismatch`). */
function gatewayOutcome(frame: Buffer) {
  // A registry that knows every watch, in the demo's zone: only the frame's own facts matter here.
  const registry = { locate: () => ({ runtime: { site: { id: 's', file: { site: { timezone: 'Asia/Shanghai' } } } }, device: { id: 'w', device: {} } }) };
  return new Watch3gProtocol(registry as unknown as SiteRegistry, 4096).handle(frame, Date.UTC(2025, 0, 1));
}

const positionOf = (msg: WatchMessage) => (msg.kind === 'position' || msg.kind === 'alarm' ? msg.position : undefined);
function vital(msg: WatchMessage): WatchMessage & { kind: 'vital' } {
  if (msg.kind !== 'vital') throw new Error(`expected a vital message, got ${msg.kind}`);
  return msg;
}

/** One check per fact the fixtures state; a key without one fails, so no fact passes unchecked. */
type Check = (msg: WatchMessage, want: unknown, c: FixtureCase) => void;
const CHECKS: Record<string, Check> = {
  vendor: (m, want) => expect(m.vendor).toBe(want),
  device_id: (m, want) => expect(m.deviceId).toBe(want),
  type: (m, want) => expect(m.type).toBe(want),
  length_hex: (m, want) => expect(m.declaredLength).toBe(parseInt(want as string, 16)),
  content_length: (m, want) => expect(m.contentLength).toBe(want),
  length_ok: (m, want) => expect(m.lengthOk).toBe(want),
  is_alarm_message: (m, want) => expect(m.kind === 'alarm').toBe(want),
  is_heartbeat: (m, want) => expect(m.kind === 'keepalive').toBe(want),
  date_ddmmyy: (m, want) => expect(positionOf(m)?.date).toBe(want),
  time_hhmmss: (m, want) => expect(positionOf(m)?.time).toBe(want),
  gps_valid: (m, want) => expect(positionOf(m)?.gpsValid).toBe(want),
  lat: (m, want) => expect(positionOf(m)?.latitude).toBeCloseTo(signedCoordinate(want as string), 7),
  lon: (m, want) => expect(positionOf(m)?.longitude).toBeCloseTo(signedCoordinate(want as string), 7),
  status_hex: (m, want) => expect(positionOf(m)?.status.hex).toBe(want),
  alarm: (m, want) => expect(positionOf(m)?.status.alarm ?? null).toBe(want === null ? null : ALARM_NAMES[want as string]),
  battery_pct: (m, want) => expect((m.kind === 'keepalive' ? m.battery : positionOf(m)?.battery) ?? null).toBe(want),
  steps: (m, want) => expect(positionOf(m)?.steps).toBe(want),
  heart_rate_bpm: (m, want) => expect(vital(m).heartRate).toBe(want),
  bp_systolic: (m, want) => expect(vital(m).systolic).toBe(want),
  bp_diastolic: (m, want) => expect(vital(m).diastolic).toBe(want),
  body_temp_c: (m, want) => expect(vital(m).bodyTempC).toBe(want),
  expects_reply: (m, want) => expect(watchReply(m)?.toString('latin1')).toBe(want),
  unescaped_tail_hex: (m, want) => {
    expect(m.kind).toBe('other');
    if (m.kind === 'other') expect(m.content.subarray(-6).toString('hex')).toBe(want);
  },
  // traccar's own assertion on the frame (`key=value`, traccar's names): the same meaning here.
  traccar_asserts: (m, want) => {
    const [key, value] = String(want).split('=');
    if (key !== 'alarm') throw new Error(`no check for traccar assertion "${String(want)}"`);
    expect(positionOf(m)?.status.alarm).toBe(ALARM_NAMES[value as string]);
  },
  // The input is the frame's bytes written as hex (binary content): a whole frame in brackets.
  encoding: (m, want, c) => {
    expect(want).toBe('hex');
    expect(c.input).toMatch(/^(?:[0-9a-f]{2})+$/);
    const bytes = Buffer.from(c.input, 'hex');
    expect([bytes[0], bytes[bytes.length - 1]]).toEqual([0x5b, 0x5d]);
    expect(new WatchFrameSplitter().push(bytes).frames).toEqual([bytes]);
  },
  // Each escape of the fixture's table, undone on the raw body, gives exactly the decoded content.
  escapes: (m, want, c) => {
    if (m.kind !== 'other') throw new Error(`expected raw content, got ${m.kind}`);
    const raw = bytesOf(c).toString('hex');
    const body = raw.slice(raw.indexOf(Buffer.from(`*${m.type},`).toString('hex')) + 2 * (m.type.length + 2), -2);
    let unescaped = body;
    for (const [escape, char] of Object.entries(want as Record<string, string>)) {
      expect(body).toContain(escape); // the frame uses every escape the table names
      unescaped = unescaped.split(escape).join(Buffer.from(char, 'latin1').toString('hex'));
    }
    expect(m.content.toString('hex')).toBe(unescaped);
  },
  // "decode but count a length_mismatch": decoded, and the gateway's handler flags it for its counter.
  policy: (m, want, c) => {
    expect(want).toBe('decode but count a length_mismatch');
    expect(m.lengthOk).toBe(false);
    expect(gatewayOutcome(bytesOf(c))).toMatchObject({ kind: 'reading', lengthMismatch: true });
  },
};
const INFORMATIONAL = ['note'];
const ledger = new FixtureLedger('watch-4g', CASES, INFORMATIONAL, true);

describe('3G* golden fixtures', () => {
  it('the file holds the cases the README counts; the IW ones are iw.test.ts\'s', () => {
    const all = loadFixtureCases('watch-4g');
    expect(all).toHaveLength(readmeCount('watch-4g'));
    expect(all.filter((c) => c.input.startsWith('IW')).length + CASES.length).toBe(all.length);
  });

  for (const c of CASES) {
    it(`${c.id} decodes as the fixture says`, () => {
      const msg = decodeOk(bytesOf(c));
      for (const [key, want] of Object.entries(c.expect)) {
        if (INFORMATIONAL.includes(key)) continue;
        const check = CHECKS[key];
        if (!check) throw new Error(`no check for expect key "${key}"`);
        check(msg, want, c);
        ledger.check(c.id, key);
      }
      // whatever the message, its fields are contract-valid
      expect(DeviceFields.safeParse(watchToFields(msg).fields).success).toBe(true);
      ledger.finish(c.id);
    });
  }

  it('watch-001: AL_LTE with status bit 16 is an SOS alarm, answered [3G*ID*0002*AL]', () => {
    const msg = decodeOk(CASES.find((c) => c.id.startsWith('watch-001'))!.input);
    const f = watchToFields(msg);
    expect(f.kind).toBe('alarm');
    expect(f.fields.sos).toBe(true);
    expect(f.fields.latitude).toBeUndefined(); // V: no GPS fix
    expect(f.ts).toBe(Date.UTC(2025, 4, 17, 21 - 8, 41, 18)); // 170525 214118 at +08:00
    expect(watchReply(msg)?.toString()).toBe('[3G*6907919734*0002*AL]');
  });

  it('watch-003: bit 21 is a fall; bit 4 (motion) does not change that', () => {
    const msg = decodeOk(CASES.find((c) => c.id.startsWith('watch-003'))!.input);
    const f = watchToFields(msg);
    expect(f.fields).toMatchObject({ fall: true, worn: true, battery: 44, latitude: 47.08395, longitude: 15.482185 });
    expect(f.fields.sos).toBeUndefined();
    if (msg.kind === 'alarm') expect(msg.position?.status.motion).toBe(true);
  });

  it('watch-005: 4-digit status of old firmware: low battery, and no claim about the strap', () => {
    const f = watchToFields(decodeOk(CASES.find((c) => c.id.startsWith('watch-005'))!.input));
    expect(f.fields.battery_low).toBe(true);
    expect(f.fields.worn).toBeUndefined();
  });

  it('watch-028: a wrong length is decoded and flagged, not rejected', () => {
    const msg = decodeOk('[3G*4700186508*000C*LK,0,10,100]');
    expect(msg).toMatchObject({ lengthOk: false, declaredLength: 12, contentLength: 11, kind: 'keepalive', steps: 0, rolls: 10, battery: 100 });
    expect(watchToFields(msg)).toEqual({ fields: { battery: 100, steps: 0 }, kind: 'keepalive' });
  });

  it('every 3G* case ran to its end with each of its facts compared', () => {
    ledger.expectComplete();
  });
});

describe('WatchFrameSplitter', () => {
  const frames = CASES.map(bytesOf);
  const stream = Buffer.concat(frames);

  it('returns every frame of one read holding several (watch-020)', () => {
    const out = new WatchFrameSplitter().push(stream);
    expect(out.rejects).toEqual([]);
    expect(out.frames).toEqual(frames);
  });

  it('reassembles frames split at byte boundaries across the stream (every 7th)', () => {
    for (let cut = 1; cut < stream.length; cut += 7) {
      const splitter = new WatchFrameSplitter();
      const a = splitter.push(stream.subarray(0, cut));
      const b = splitter.push(stream.subarray(cut));
      expect([...a.frames, ...b.frames]).toEqual(frames);
      expect(splitter.pendingBytes).toBe(0);
    }
  });

  it('reassembles a frame delivered one byte per read', () => {
    const splitter = new WatchFrameSplitter();
    const got: Buffer[] = [];
    for (const b of frames[0]!) got.push(...splitter.push(Buffer.from([b])).frames);
    expect(got).toEqual([frames[0]]);
  });

  it('the escaped voice frame of watch-021 survives splitting inside an escape', () => {
    const voice = bytesOf(CASES.find((c) => c.id.startsWith('watch-021'))!);
    const at = voice.indexOf(0x7d) + 1; // between 7D and its 01
    const splitter = new WatchFrameSplitter();
    const got = [...splitter.push(voice.subarray(0, at)).frames, ...splitter.push(voice.subarray(at)).frames];
    expect(got).toEqual([voice]);
  });

  it('rejects bytes outside brackets as noise and keeps the frames around them', () => {
    const out = new WatchFrameSplitter().push(Buffer.from('xx[SG*8800000015*0002*LK]GARBAGE[3G*8800000015*0003*TKQ]'));
    expect(out.frames.map((f) => f.toString())).toEqual(['[SG*8800000015*0002*LK]', '[3G*8800000015*0003*TKQ]']);
    expect(out.rejects.map((r) => r.reason)).toEqual(['noise', 'noise']);
    expect(out.rejects[1]!.detail).toContain('GARBAGE');
  });

  it('ignores line breaks between frames', () => {
    const out = new WatchFrameSplitter().push(Buffer.from('[SG*8800000015*0002*LK]\r\n[SG*8800000015*0002*LK]\n'));
    expect(out.frames).toHaveLength(2);
    expect(out.rejects).toEqual([]);
  });

  it('a "[" before the "]" means the open frame was cut off: truncated, then resync', () => {
    const out = new WatchFrameSplitter().push(Buffer.from('[3G*6005412902*0008*heart,7[SG*8800000015*0002*LK]'));
    expect(out.rejects.map((r) => r.reason)).toEqual(['truncated']);
    expect(out.frames.map((f) => f.toString())).toEqual(['[SG*8800000015*0002*LK]']);
  });

  it('a flood of "[" is one noise rejection per read, and the frame after it decodes', () => {
    const out = new WatchFrameSplitter().push(Buffer.from(`${'['.repeat(500)}[SG*8800000015*0002*LK]`));
    expect(out.rejects.map((r) => r.reason)).toEqual(['noise']);
    expect(out.rejects[0]!.detail).toContain('500');
    expect(out.frames.map((f) => f.toString())).toEqual(['[SG*8800000015*0002*LK]']);
  });

  it('bounds the buffer: an endless frame is rejected as oversize and the next frame still decodes', () => {
    const splitter = new WatchFrameSplitter({ maxFrameBytes: 1024 });
    const first = splitter.push(Buffer.concat([Buffer.from('[3G*1*0002*TK,'), Buffer.alloc(2000, 0x41)]));
    expect(first.rejects.map((r) => r.reason)).toEqual(['oversize']);
    expect(splitter.pendingBytes).toBe(0);
    const rest = splitter.push(Buffer.concat([Buffer.alloc(500, 0x41), Buffer.from('][SG*8800000015*0002*LK]')]));
    expect(rest.rejects).toEqual([]);
    expect(rest.frames.map((f) => f.toString())).toEqual(['[SG*8800000015*0002*LK]']);
  });

  it('a frame over the bound that closes within one read is rejected too', () => {
    const out = new WatchFrameSplitter({ maxFrameBytes: 64 }).push(Buffer.from(`[3G*1*0002*TK,${'B'.repeat(100)}][SG*8800000015*0002*LK]`));
    expect(out.rejects.map((r) => r.reason)).toEqual(['oversize']);
    expect(out.frames).toHaveLength(1);
  });
});

describe('decodeWatchFrame: header and escapes', () => {
  it('unescapes 7D 01..05 before splitting; the length counts unescaped bytes (watch-021)', () => {
    const msg = decodeOk(Buffer.from('5b43532a313233343536373839302a303030652a544b2c2321414d527d017d027d037d047d05ff5d', 'hex'));
    expect(msg).toMatchObject({ type: 'TK', kind: 'other', declaredLength: 14, contentLength: 14, lengthOk: true });
    if (msg.kind === 'other') expect(msg.content.toString('latin1')).toBe('#!AMR}[],*\xff');
  });

  it('rejects an escape byte followed by anything but 01..05', () => {
    const d = decodeWatchFrame(Buffer.concat([Buffer.from('[CS*1234567890*0004*TK,'), Buffer.from([0x7d, 0x09]), Buffer.from(']')]));
    expect(d).toMatchObject({ ok: false, reason: 'bad_frame' });
    if (!d.ok) expect(d.detail).toContain('0x09');
  });

  it('reads the optional index of ZJ-style frames and echoes it in the reply', () => {
    const msg = decodeOk('[ZJ*5678901234*0001*0002*LK]');
    expect(msg).toMatchObject({ vendor: 'ZJ', deviceId: '5678901234', index: '0001', declaredLength: 2, type: 'LK' });
    expect(watchReply(msg)?.toString()).toBe('[ZJ*5678901234*0001*0002*LK]');
  });

  it('accepts a 15-digit IMEI as device id', () => {
    expect(decodeOk('[3G*353456789012345*0002*LK]').deviceId).toBe('353456789012345');
  });

  it.each([
    ['[3G*6005412902*0008]', 'header'],
    ['3G*6005412902*0008*heart,71]', 'not a [ … ] frame'],
    ['[3G*60054 12902*0008*heart,71]', 'device id'],
    ['[3G*6005412902*08*heart,71]', 'length'],
    ['[3G*6005412902*0008*he art,71]', 'message type'],
    ['[]', 'header'],
  ])('rejects the malformed frame %s as bad_frame (%s)', (frame, what) => {
    const d = decodeWatchFrame(Buffer.from(frame));
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.reason).toBe('bad_frame');
      expect(d.detail).toContain(what);
    }
  });
});

describe('decodeWatchFrame: positions', () => {
  const body = (lat: string, lon: string, status = '00000000', validity = 'A'): string =>
    `[3G*1234567890*0000*UD,220414,134652,${validity},${lat},${lon},0.1,0.0,100,7,60,90,1000,50,${status},0,0,0]`;

  it('reads fields with leading spaces (N, 0.0000000)', () => {
    const msg = decodeOk(body(' 22.571707,N', ' 113.8613968,E'));
    if (msg.kind !== 'position') throw new Error('not a position');
    expect(msg.position.latitude).toBeCloseTo(22.571707, 7);
    expect(msg.position.longitude).toBeCloseTo(113.8613968, 7);
  });

  it('a negative number wins over its hemisphere letter (-33.480366,N is south, watch-029)', () => {
    const msg = decodeOk(body('-33.480366,N', '-70.5,E'));
    if (msg.kind !== 'position') throw new Error('not a position');
    expect(msg.position.latitude).toBeCloseTo(-33.480366, 7);
    expect(msg.position.longitude).toBeCloseTo(-70.5, 7);
    expect(watchToFields(msg).fields).toMatchObject({ latitude: -33.480366, longitude: -70.5 });
  });

  it('S and W letters make unsigned numbers negative', () => {
    const msg = decodeOk(body('33.5,S', '70.25,W'));
    if (msg.kind !== 'position') throw new Error('not a position');
    expect([msg.position.latitude, msg.position.longitude]).toEqual([-33.5, -70.25]);
  });

  it('V (no fix) gives no coordinates in the fields', () => {
    const f = watchToFields(decodeOk(body('22.5,N', '113.8,E', '00000000', 'V')));
    expect(f.fields.latitude).toBeUndefined();
    expect(f.fields.longitude).toBeUndefined();
    expect(f.kind).toBe('position');
  });

  it.each(['UD', 'UD2', 'UD3', 'UD_LTE', 'UD_WCDMA', 'WT'])('%s is a position report', (type) => {
    const msg = decodeOk(body('22.5,N', '113.8,E').replace('*UD,', `*${type},`));
    expect(msg.kind).toBe('position');
    expect(watchReply(msg)).toBeUndefined();
  });

  it.each(['AL', 'AL_LTE', 'ALCUSTOMER1'])('%s is an alarm (any type starting with AL) and is answered AL', (type) => {
    const msg = decodeOk(body('22.5,N', '113.8,E', '00010000').replace('*UD,', `*${type},`));
    expect(msg.kind).toBe('alarm');
    expect(watchToFields(msg).fields.sos).toBe(true);
    expect(watchReply(msg)?.toString()).toBe('[3G*1234567890*0002*AL]');
  });

  it('a UD report carries alarms in its status bits too', () => {
    expect(watchToFields(decodeOk(body('22.5,N', '113.8,E', '00100000'))).fields.worn).toBe(false);
  });

  it('an AL whose body does not parse is still an alarm, still answered, with no guessed fields', () => {
    const msg = decodeOk('[3G*1234567890*0006*AL,xyz]');
    expect(msg).toMatchObject({ kind: 'alarm', bodyError: expect.stringContaining('fields') });
    expect(watchToFields(msg).fields).toEqual({});
    expect(watchReply(msg)?.toString()).toBe('[3G*1234567890*0002*AL]');
  });

  it('a UD whose body does not parse is rejected with the reason', () => {
    const d = decodeWatchFrame(Buffer.from(body('22.5,Q', '113.8,E')));
    expect(d).toMatchObject({ ok: false, reason: 'bad_frame' });
    if (!d.ok) expect(d.detail).toContain('hemisphere');
  });

  it('keeps cells and Wi-Fi of the report (watch-003: 2 cells)', () => {
    const msg = decodeOk(CASES.find((c) => c.id.startsWith('watch-003'))!.input);
    if (msg.kind !== 'alarm' || !msg.position) throw new Error('no position');
    expect(msg.position.cells).toEqual([
      { mcc: 232, mnc: 1, lac: 7605, cid: 42530, rssi: 118 },
      { mcc: 232, mnc: 1, lac: 7605, cid: 58036, rssi: 119 },
    ]);
    expect(msg.position.wifi).toEqual([]);
  });
});

describe('STATUS bits', () => {
  it.each([
    ['00010000', 'sos'], ['00100000', 'removing'], ['00200000', 'fall_down'], ['00400000', 'fall_down'],
    ['00000001', 'low_battery'], ['00020000', 'low_battery'], ['00000002', 'geofence_exit'], ['00040000', 'geofence_exit'],
    ['00000004', 'geofence_enter'], ['00004000', 'power_cut'], ['00000010', undefined], ['00000000', undefined],
  ])('%s is named %s', (hex, alarm) => {
    expect(decodeWatchStatus(hex)?.alarm).toBe(alarm);
  });

  it('first match wins, life-safety first: SOS + low battery is named sos, both flags kept', () => {
    const s = decodeWatchStatus('00010001')!;
    expect(s.alarm).toBe('sos');
    expect([s.sos, s.lowBattery]).toEqual([true, true]);
    expect(decodeWatchStatus('00300000')!.alarm).toBe('removing'); // taken off before fall
    expect(decodeWatchStatus('00220001')!.alarm).toBe('fall_down'); // fall before low battery
  });

  it('every set flag reaches the fields, whatever the name', () => {
    const f = watchToFields(decodeOk('[3G*1234567890*0000*UD,220414,134652,A,1,N,1,E,0,0,0,0,0,50,0,0,00330001,0]'));
    expect(f.fields).toMatchObject({ sos: true, fall: true, worn: false, battery_low: true });
  });

  it('rejects a status that is not hex', () => {
    expect(decodeWatchStatus('0001000G')).toBeUndefined();
    expect(decodeWatchStatus('000100000')).toBeUndefined();
  });
});

describe('vitals, keepalives and others', () => {
  it('heart 0 means no reading: decoded, but no heart_rate field (not an emergency)', () => {
    const msg = decodeOk('[3G*6005412902*0007*heart,0]');
    expect(msg).toMatchObject({ kind: 'vital', heartRate: 0 });
    expect(watchToFields(msg)).toEqual({ fields: {}, kind: 'vital' });
  });

  it.each([
    ['[3G*1*0008*PULSE,72]', { heartRate: 72 }, { heart_rate: 72 }],
    ['[3G*1*0008*pulse,72]', { heartRate: 72 }, { heart_rate: 72 }],
    ['[3G*1*0013*bphrt,120,79,73,,,,]', { systolic: 120, diastolic: 79, heartRate: 73 }, { heart_rate: 73 }],
    ['[3G*1*000E*BLOOD,130,85]', { systolic: 130, diastolic: 85 }, {}],
    ['[3G*1*000C*oxygen,1,97]', { spo2: 97 }, { spo2: 97 }],
    ['[3G*1*000E*btemp2,1,35.29]', { bodyTempC: 35.29 }, {}],
    ['[3G*1*000E*btemp2,0,35.29]', {}, {}],
    ['[3G*1*0009*TEMP,36.5]', { bodyTempC: 36.5 }, {}],
  ])('%s', (frame, message, fields) => {
    const msg = decodeOk(frame);
    expect(msg).toMatchObject({ kind: 'vital', ...message });
    expect(watchToFields(msg).fields).toEqual(fields);
  });

  it('a vital with a non-number is rejected as schema', () => {
    expect(decodeWatchFrame(Buffer.from('[3G*1*0009*heart,abc]'))).toMatchObject({ ok: false, reason: 'schema' });
  });

  it.each([
    ['[SG*8800000015*0002*LK]', {}],
    ['[SG*8800000015*0004*LK,5]', { steps: 5 }],
    ['[SG*8800000015*0007*LK,5,10]', { steps: 5, rolls: 10 }],
    ['[SG*8800000015*000B*LK,5,10,77]', { steps: 5, rolls: 10, battery: 77 }],
    ['[SG*8800000015*000B*LK,5,10,177]', { steps: 5, rolls: 10 }],
  ])('LK variant %s', (frame, values) => {
    const msg = decodeOk(frame);
    expect(msg).toMatchObject({ kind: 'keepalive' });
    const { vendor, deviceId, declaredLength, contentLength, lengthOk, type, kind, ...rest } = msg as WatchMessage & { kind: 'keepalive' };
    expect(rest).toEqual(values);
    expect(watchReply(msg)?.toString()).toBe('[SG*8800000015*0002*LK]');
    expect(watchToFields(msg).kind).toBe('keepalive');
  });

  it('TKQ and TKQ2 are echoed; INIT is answered INIT,1; TK gets no reply', () => {
    expect(watchReply(decodeOk('[3G*8800000015*0004*TKQ2]'))?.toString()).toBe('[3G*8800000015*0004*TKQ2]');
    expect(watchReply(decodeOk('[3G*8800000015*0004*INIT]'))?.toString()).toBe('[3G*8800000015*0006*INIT,1]');
    expect(watchReply(decodeOk('[3G*8800000015*0004*TK,1]'))).toBeUndefined();
  });
});

describe('device time', () => {
  it('ddmmyy hhmmss in the watch zone (default +480) → epoch ms', () => {
    expect(watchTimeToEpoch('170525', '214118')).toBe(Date.UTC(2025, 4, 17, 13, 41, 18));
    expect(watchTimeToEpoch('170525', '214118', 0)).toBe(Date.UTC(2025, 4, 17, 21, 41, 18));
    expect(watchTimeToEpoch('170525', '214118', -300)).toBe(Date.UTC(2025, 4, 18, 2, 41, 18));
  });

  it('impossible dates give no time (e.g. 000000 before the first fix)', () => {
    for (const [d, t] of [['000000', '000000'], ['310225', '120000'], ['010125', '246000']] as const) {
      expect(watchTimeToEpoch(d, t)).toBeUndefined();
    }
  });

  it('watchToFields takes the zone as a parameter', () => {
    const msg = decodeOk(CASES.find((c) => c.id.startsWith('watch-001'))!.input);
    expect(watchToFields(msg, { tzOffsetMinutes: 0 }).ts).toBe(Date.UTC(2025, 4, 17, 21, 41, 18));
  });
});

describe('encodeWatchFrame (simulators) round-trips through the decoder', () => {
  const at = Date.UTC(2024, 0, 2, 3, 4, 5);

  it('LK with steps, rolls and battery', () => {
    const frame = encodeWatchFrame({ deviceId: '1234567890', type: 'LK', steps: 10, rolls: 2, battery: 80 });
    const msg = decodeOk(frame);
    expect(msg).toMatchObject({ vendor: '3G', lengthOk: true, kind: 'keepalive', steps: 10, rolls: 2, battery: 80 });
  });

  it('AL with SOS and fall bits at a position', () => {
    const frame = encodeWatchFrame({ vendor: 'SG', deviceId: '1234567890', type: 'AL', at, latitude: -33.5, longitude: 151.25, sos: true, fall: true, battery: 40 });
    const msg = decodeOk(frame);
    expect(msg.lengthOk).toBe(true);
    expect(watchToFields(msg)).toEqual({
      fields: { sos: true, fall: true, worn: true, battery_low: false, battery: 40, steps: 0, latitude: -33.5, longitude: 151.25 },
      ts: at, kind: 'alarm',
    });
  });

  it('UD taken off without a fix', () => {
    const f = watchToFields(decodeOk(encodeWatchFrame({ deviceId: '1', type: 'UD_LTE', at, takenOff: true })));
    expect(f).toMatchObject({ kind: 'position', ts: at, fields: { worn: false } });
    expect(f.fields.latitude).toBeUndefined();
  });

  it('heart and a binary TK payload, escaped on the wire', () => {
    expect(watchToFields(decodeOk(encodeWatchFrame({ deviceId: '1', type: 'heart', heartRate: 64 }))).fields).toEqual({ heart_rate: 64 });
    const payload = Buffer.from([0x7d, 0x5b, 0x5d, 0x2c, 0x2a, 0x00, 0xff]);
    const frame = encodeWatchFrame({ vendor: 'CS', deviceId: '1', type: 'raw', rawType: 'TK', payload });
    expect(frame.subarray(1, -1).includes(0x5d)).toBe(false);
    const msg = decodeOk(frame);
    expect(msg).toMatchObject({ lengthOk: true, kind: 'other', type: 'TK' });
    if (msg.kind === 'other') expect(msg.content).toEqual(payload);
  });
});
