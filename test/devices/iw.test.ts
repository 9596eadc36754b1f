import { describe, it, expect } from 'vitest';
import { DeviceFields } from '../../contract/index.ts';
import { IwFrameSplitter, decodeIwFrame, encodeIwFrame, iwReply, iwToFields, type IwMessage } from '../../devices/codecs/iw/index.ts';
import { loadFixtureCases } from './fuzz-helpers.ts';

/**
 * "IW" protocol (fixture README §4; traccar TrvProtocolDecoderTest). Traccar's test strings omit
 * the `#` terminator its frame decoder strips: the decoder takes them as they are, the splitter
 * gets them with `#` appended.
 */
const CASES = loadFixtureCases('watch-4g').filter((c) => c.input.startsWith('IW'));

function decodeOk(text: string): IwMessage {
  const d = decodeIwFrame(Buffer.from(text, 'latin1'));
  if (!d.ok) throw new Error(`rejected: ${d.reason} ${d.detail}`);
  return d.value;
}

/** `2232.9806N` (ddmm.mmmm) → decimal degrees. */
function ddmm(text: string, degreeDigits: number): number {
  const deg = Number(text.slice(0, degreeDigits));
  const min = Number(text.slice(degreeDigits, -1));
  return (deg + min / 60) * (/[SW]$/.test(text) ? -1 : 1);
}

describe('IW golden fixtures', () => {
  it('has the IW cases', () => expect(CASES.length).toBeGreaterThanOrEqual(3));

  for (const c of CASES) {
    it(`${c.id} decodes as the fixture says`, () => {
      const e = c.expect;
      const msg = decodeOk(c.input);
      expect(msg.type).toBe(e.type);
      if (msg.kind === 'alarm' || msg.kind === 'position') {
        const p = msg.position;
        expect(p.gpsValid).toBe(e.gps_valid);
        expect(p.date).toBe(e.date_yymmdd);
        expect(p.time).toBe(e.time_hhmmss);
        expect(p.latitude).toBeCloseTo(ddmm(e.lat as string, 2), 9);
        expect(p.longitude).toBeCloseTo(ddmm(e.lon as string, 3), 9);
        expect(p.speedKmh).toBe(e.speed_kmh);
        expect(p.courseDeg).toBe(e.course);
        expect(p.gsmSignal).toBe(e.gsm_signal);
        expect(p.satellites).toBe(e.satellites);
        expect(p.battery).toBe(e.battery_pct);
        expect(p.cell).toEqual({ mcc: e.mcc, mnc: e.mnc, lac: e.lac, cid: e.cid });
        expect(p.wifiCount).toBe(e.wifi_count);
      }
      if (msg.kind === 'alarm') {
        expect(msg.alarmCode).toBe(e.alarm_code);
        expect(msg.alarm).toBe(e.alarm);
      }
      if (msg.kind === 'vital') {
        expect(msg.heartRate).toBe(e.heart_rate_bpm);
        expect(msg.systolic).toBe(e.bp_systolic);
        expect(msg.diastolic).toBe(e.bp_diastolic);
        expect(msg.bodyTempC).toBe(e.body_temp_c);
        expect(msg.battery).toBe(e.battery_pct);
      }
      expect(DeviceFields.safeParse(iwToFields(msg).fields).success).toBe(true);
      expect(iwReply(msg, 0).toString()).toBe(`IWBP${msg.type.slice(2)}#`);
    });
  }

  it('watch-023: AP10 with alarm code 01 is an SOS at a GPS position, time read as UTC', () => {
    const f = iwToFields(decodeOk(CASES.find((c) => c.id.startsWith('watch-023'))!.input));
    expect(f.kind).toBe('alarm');
    expect(f.fields).toMatchObject({ sos: true, battery: 80 });
    expect(f.fields.latitude).toBeCloseTo(22 + 32.9806 / 60, 9);
    expect(f.ts).toBe(Date.UTC(2008, 4, 24, 6, 18, 30));
  });
});

describe('IW messages', () => {
  const location = (type: string, tail: string): string => `IW${type}080524A2232.9806N11404.9355E000.1061830323.8706000908000502,460,0,9520,3671${tail}`;

  it.each([['05', 'fall_down'], ['06', 'fall_down']])('AP10 alarm code %s is a fall', (code) => {
    const f = iwToFields(decodeOk(location('AP10', `,${code},zhcn,00,`)));
    expect(f.fields.fall).toBe(true);
    expect(f.fields.sos).toBeUndefined();
  });

  it('AP10 with another alarm code keeps the code and claims nothing', () => {
    const msg = decodeOk(location('AP10', ',02,zhcn,00,'));
    expect(msg).toMatchObject({ kind: 'alarm', alarmCode: '02' });
    expect(iwToFields(msg).fields).toEqual({ battery: 80, latitude: expect.any(Number), longitude: expect.any(Number) });
  });

  it('AP01 is a plain location; V gives no coordinates', () => {
    const f = iwToFields(decodeOk(location('AP01', ',HOME|74-DE-2B-44-88-8C|97').replace('A2232', 'V2232')));
    expect(f).toMatchObject({ kind: 'position', fields: { battery: 80 } });
    expect(f.fields.latitude).toBeUndefined();
  });

  it('AP00 login carries the IMEI and is answered with the time and zone', () => {
    const msg = decodeOk('IWAP00353456789012345');
    expect(msg).toEqual({ type: 'AP00', kind: 'login', imei: '353456789012345' });
    expect(iwReply(msg, Date.UTC(2024, 0, 2, 3, 4, 5)).toString()).toBe('IWBP00,20240102110405,8#');
    expect(iwReply(msg, Date.UTC(2024, 0, 2, 3, 4, 5), 0).toString()).toBe('IWBP00,20240102030405,0#');
  });

  it.each([
    ['IWAP49,68', { heartRate: 68 }, { heart_rate: 68 }],
    ['IWAP49,0', { heartRate: 0 }, {}],
    ['IWAPHP,70,120,80,98,5.6,36.6', { heartRate: 70, systolic: 120, diastolic: 80, spo2: 98, bodyTempC: 36.6 }, { heart_rate: 70, spo2: 98 }],
  ])('%s', (frame, message, fields) => {
    const msg = decodeOk(frame);
    expect(msg).toMatchObject({ kind: 'vital', ...message });
    expect(iwToFields(msg).fields).toEqual(fields);
  });

  it.each([
    ['IWAP00123', 'schema'], ['IWAP49,x', 'schema'], ['IWAPHT,60,130', 'schema'], ['XXAP49,60', 'bad_frame'],
    ['IWAP10080524A2232.9806N', 'bad_frame'],
  ])('rejects %s as %s', (frame, reason) => {
    expect(decodeIwFrame(Buffer.from(frame))).toMatchObject({ ok: false, reason });
  });

  it('unknown types are kept raw and still answered', () => {
    const msg = decodeOk('IWAP03,06000908000102,5555,30');
    expect(msg).toEqual({ type: 'AP03', kind: 'other', content: ',06000908000102,5555,30' });
    expect(iwReply(msg, 0).toString()).toBe('IWBP03#');
  });
});

describe('IwFrameSplitter', () => {
  const frames = CASES.map((c) => Buffer.from(c.input, 'latin1'));
  const stream = Buffer.concat(frames.map((f) => Buffer.concat([f, Buffer.from('#')])));

  it('splits several frames of one read on "#" and strips it', () => {
    const out = new IwFrameSplitter().push(stream);
    expect(out).toEqual({ frames, rejects: [] });
  });

  it('reassembles frames split at byte boundaries across the stream (every 3rd)', () => {
    for (let cut = 1; cut < stream.length; cut += 3) {
      const s = new IwFrameSplitter();
      expect([...s.push(stream.subarray(0, cut)).frames, ...s.push(stream.subarray(cut)).frames]).toEqual(frames);
    }
  });

  it('rejects bytes before "IW" as noise and keeps the frame', () => {
    const out = new IwFrameSplitter().push(Buffer.from('junkIWAP49,68#\r\n#zzz#'));
    expect(out.frames.map((f) => f.toString())).toEqual(['IWAP49,68']);
    expect(out.rejects.map((r) => r.reason)).toEqual(['noise', 'noise']);
  });

  it('bounds the buffer and resyncs after the oversize frame', () => {
    const s = new IwFrameSplitter({ maxFrameBytes: 100 });
    expect(s.push(Buffer.alloc(300, 0x41)).rejects.map((r) => r.reason)).toEqual(['oversize']);
    expect(s.pendingBytes).toBe(0);
    expect(s.push(Buffer.from('AAAA#IWAP49,68#')).frames.map((f) => f.toString())).toEqual(['IWAP49,68']);
  });
});

describe('encodeIwFrame (simulators) writes what the fixtures say watches send', () => {
  const fixtureOf = (id: string) => CASES.find((c) => c.id.startsWith(id))!;

  it('watch-023: the facts of the AP10 SOS give its frame up to the alarm code (the Wi-Fi list is not simulated)', () => {
    const c = fixtureOf('watch-023');
    const e = c.expect;
    const [yy, mo, dd] = [0, 2, 4].map((i) => Number(String(e.date_yymmdd).slice(i, i + 2)));
    const [h, mi, s] = [0, 2, 4].map((i) => Number(String(e.time_hhmmss).slice(i, i + 2)));
    const frame = encodeIwFrame({
      type: 'AP10', at: Date.UTC(2000 + yy!, mo! - 1, dd!, h!, mi!, s!),
      latitude: ddmm(e.lat as string, 2), longitude: ddmm(e.lon as string, 3),
      speedKmh: e.speed_kmh as number, courseDeg: e.course as number, gsmSignal: e.gsm_signal as number, satellites: e.satellites as number,
      battery: e.battery_pct as number, cell: { mcc: e.mcc as number, mnc: e.mnc as number, lac: e.lac as number, cid: e.cid as number },
      alarmCode: e.alarm_code as string,
      flags: '00502', // the five status digits after the battery: no fact of the fixture, read from its frame
    });
    const upToAlarm = c.input.slice(0, c.input.indexOf(`,${String(e.alarm_code)},`) + 3);
    expect(frame.toString('latin1')).toBe(`${upToAlarm}#`);
  });

  it.each([['watch-025', 'APHT'], ['watch-027', 'AP50']] as const)('%s: the %s vitals frame from its facts', (id, type) => {
    const c = fixtureOf(id);
    const e = c.expect;
    const frame = type === 'APHT'
      ? encodeIwFrame({ type, heartRate: e.heart_rate_bpm as number, systolic: e.bp_systolic as number, diastolic: e.bp_diastolic as number })
      : encodeIwFrame({ type, bodyTempC: e.body_temp_c as number, battery: e.battery_pct as number });
    expect(frame.toString('latin1')).toBe(`${c.input}#`);
  });

  it('AP00 login is the IMEI after the header; a watch without a fix says V', () => {
    expect(encodeIwFrame({ type: 'AP00', imei: '353456789012345' }).toString()).toBe('IWAP00353456789012345#');
    const noFix = decodeIwFrame(encodeIwFrame({ type: 'AP01', at: Date.UTC(2024, 0, 2, 3, 4, 5) }).subarray(0, -1));
    expect(noFix.ok && noFix.value.kind === 'position' && noFix.value.position.gpsValid).toBe(false);
  });
});
