import { describe, expect, it } from 'vitest';
import { Device, deviceAddress } from '../../contract/site.ts';
import {
  decodeRflinkDeviceLine, decodeRflinkLine, DEFAULT_MAX_LINE_BYTES, encodeRflinkLine, encodeRflinkTemperature,
  matchesRflinkAddress, rflinkAddress, RflinkLineSplitter, rflinkLookupKeys, rflinkToFields, signMagnitudeTenths,
  type RflinkMessage,
} from '../../devices/codecs/rflink/index.ts';
import { listProfiles } from '../../devices/registry.ts';

function msg(line: string): RflinkMessage {
  const d = decodeRflinkDeviceLine(line);
  if (!d.ok) throw new Error(`${d.reason}: ${d.detail}`);
  return d.value;
}

describe('RflinkLineSplitter', () => {
  it('ends lines at CR, LF or CRLF, even when the CRLF pair is split across reads', () => {
    const s = new RflinkLineSplitter();
    const a = s.push('20;01;PONG;\r');
    const b = s.push('\n20;02;OK;\n20;03;');
    const c = s.push('PONG;\r\n');
    expect([...a.frames, ...b.frames, ...c.frames]).toEqual(['20;01;PONG;', '20;02;OK;', '20;03;PONG;']);
    expect(s.pendingBytes).toBe(0);
  });

  it('rejects an over-long line as oversize once, and resynchronises at the next newline', () => {
    const s = new RflinkLineSplitter();
    const first = s.push('x'.repeat(DEFAULT_MAX_LINE_BYTES + 1));
    expect(first.rejects.map((r) => r.reason)).toEqual(['oversize']);
    expect(s.pendingBytes).toBe(0);
    const more = s.push('y'.repeat(5000));
    expect(more).toEqual({ frames: [], rejects: [] });
    const after = s.push('still the long line\r\n20;04;EV1527;ID=0a1b2c;SWITCH=01;CMD=ON;\r\n');
    expect(after.frames).toEqual(['20;04;EV1527;ID=0a1b2c;SWITCH=01;CMD=ON;']);
  });

  it('rejects a complete over-long line that arrived in one read', () => {
    const out = new RflinkLineSplitter({ maxLineBytes: 20 }).push(`${'z'.repeat(30)}\n20;01;PONG;\n`);
    expect(out.rejects.map((r) => r.reason)).toEqual(['oversize']);
    expect(out.frames).toEqual(['20;01;PONG;']);
  });

  it('flush(): an unterminated line at close is truncated, not parsed', () => {
    const s = new RflinkLineSplitter();
    s.push('20;07;EV1527;ID=045a42;SWITCH=06');
    const out = s.flush();
    expect(out.frames).toEqual([]);
    expect(out.rejects.map((r) => r.reason)).toEqual(['truncated']);
  });
});

describe('decodeRflinkLine: gateway lines are recognised before device parsing', () => {
  it('start-up banner (20;00 means the gateway rebooted)', () => {
    expect(decodeRflinkLine('20;00;Nodo RadioFrequencyLink - RFLink Gateway V1.1 - R46;')).toEqual({
      ok: true, value: { kind: 'banner', node: 20, seq: '00', text: 'Nodo RadioFrequencyLink - RFLink Gateway V1.1 - R46', version: '1.1', revision: '46' },
    });
  });

  it.each([
    ['20;02;OK;', 'OK'],
    ['20;07;CMD UNKNOWN;', 'CMD UNKNOWN'],
    ['20;01;VER=1.1;REV=45;BUILD=04;', 'VER=1.1;REV=45;BUILD=04'],
  ])('reply %s', (line, text) => {
    expect(decodeRflinkLine(line)).toMatchObject({ ok: true, value: { kind: 'reply', text } });
  });

  it('a host command seen on the line (10;FA20RF;…;ON;) is never a device event: it would sound the linked detectors', () => {
    expect(decodeRflinkLine('10;FA20RF;97e3b2;1;ON;')).toMatchObject({ ok: true, value: { kind: 'host', node: 10 } });
    expect(decodeRflinkDeviceLine('10;FA20RF;97e3b2;1;ON;')).toMatchObject({ ok: false, reason: 'unsupported' });
  });

  it('keeps protocol names with spaces and slashes, upper-cases keys and CMD, keeps values as printed', () => {
    expect(msg('20;2E;Byron SX;ID=a66a;CHIME=A9;cmd=on;')).toEqual({
      kind: 'device', node: 20, seq: '2E', protocol: 'Byron SX', id: 'a66a', cmd: 'ON', values: { CHIME: 'A9' },
    });
  });

  it.each([
    ['', 'bad_frame'],
    ['21;01;PONG;', 'bad_frame'],
    ['20;1;PONG;', 'bad_frame'],
    ['20;0G;PONG;', 'bad_frame'],
    ['20;01;', 'bad_frame'],
    ['20;01;EV1527;ID=0a1b2c;garbage;', 'bad_frame'],
    ['20;01;EV1527;ID=xyz;', 'schema'],
    ['20;01;EV1527;ID=0a1b2c;\u0000', 'noise'],
    ['20;01;EV1527;ID=0a\u00ff;', 'noise'],
  ])('rejects %j as %s', (line, reason) => {
    expect(decodeRflinkLine(line)).toMatchObject({ ok: false, reason });
  });
});

describe('rflinkToFields: the profile decides what a command means', () => {
  const on = msg('20;3A;EV1527;ID=0a1b2c;SWITCH=01;CMD=ON;');
  const off = msg('20;3B;Atlantic;ID=4b2e91;SWITCH=01;CMD=OFF;');

  it.each([
    ['smoke-detector', { smoke: true }],
    ['heat-detector', { heat: true }],
    ['call-button', { action: 'emergency' }],
    ['door-contact', { contact: false }],
    ['motion-sensor', { occupancy: true }],
    ['water-leak-sensor', { water_leak: true }],
    ['sprinkler-flow-switch', { water_flow: true }],
    ['presence-radar', { presence: true }],
  ] as const)('CMD=ON for a %s', (profile, want) => {
    expect(rflinkToFields(on, profile)).toEqual({ ok: true, value: want });
  });

  it('CMD=OFF closes a door contact and is a cancel on a call button', () => {
    expect(rflinkToFields(off, 'door-contact')).toEqual({ ok: true, value: { contact: true } });
    expect(rflinkToFields(off, 'call-button')).toEqual({ ok: true, value: { action: 'cancel' } });
  });

  it('SMOKEALERT and PIR keys win over CMD; BAT maps to battery_low for every profile', () => {
    expect(rflinkToFields(msg('20;0D;FA20RF;ID=97e3b2;SMOKEALERT=OFF;CMD=ON;BAT=LOW;'), 'smoke-detector'))
      .toEqual({ ok: true, value: { smoke: false, battery_low: true } });
    expect(rflinkToFields(msg('20;12;Pir;ID=aa66;PIR=OFF;'), 'motion-sensor')).toEqual({ ok: true, value: { occupancy: false } });
  });

  it('a heat detector reports its temperature (sign bit 15, hex tenths)', () => {
    expect(rflinkToFields(msg('20;2D;UPM/Esic;ID=0001;TEMP=800d;CMD=OFF;'), 'heat-detector')).toEqual({ ok: true, value: { heat: false, temperature: -1.3 } });
  });

  it('rejects a malformed value the profile reads as schema, and a line meaning nothing for the profile as unsupported', () => {
    expect(rflinkToFields(msg('20;01;Temp;ID=0001;TEMP=zz;'), 'heat-detector')).toMatchObject({ ok: false, reason: 'schema' });
    expect(rflinkToFields(msg('20;01;Temp;ID=0001;HUM=50;'), 'smoke-detector')).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(rflinkToFields(on, 'wearable')).toMatchObject({ ok: false, reason: 'unsupported' });
  });

  it('reads the meaning from the profile data (issue 21): other hints, other fields; every profile\'s hints name its own fields', () => {
    expect(rflinkToFields(on, 'smoke-detector', { on: { water_leak: true }, off: { water_leak: false } })).toEqual({ ok: true, value: { water_leak: true } });
    for (const p of listProfiles()) {
      if (!p.rflink) continue;
      for (const f of Object.keys({ ...p.rflink.on, ...p.rflink.off })) expect(p.fields, `${p.id}: ${f}`).toContain(f);
      if (p.rflink.temperature) expect(p.fields).toContain('temperature');
    }
  });

  it('decodes TEMP as sign-magnitude, not two\'s complement', () => {
    expect(signMagnitudeTenths('00cf')).toBe(20.7);
    expect(signMagnitudeTenths('800d')).toBe(-1.3);
    expect(signMagnitudeTenths('ffff')).toBe(-3276.7);
    expect(signMagnitudeTenths('12345')).toBeUndefined();
  });
});

describe('addresses: how a message finds its device in the site file', () => {
  const m = msg('20;4B;EV1527;ID=0363A0;SWITCH=0a;CMD=ON;');

  it('matches protocol, id and switch case-insensitively; a configured address without switch matches every switch', () => {
    expect(rflinkAddress(m)).toEqual({ protocol: 'EV1527', id: '0363A0', switch: '0a' });
    expect(matchesRflinkAddress({ protocol: 'ev1527', id: '0363a0', switch: '0A' }, m)).toBe(true);
    expect(matchesRflinkAddress({ protocol: 'EV1527', id: '0363a0' }, m)).toBe(true);
    expect(matchesRflinkAddress({ protocol: 'EV1527', id: '0363a0', switch: '0b' }, m)).toBe(false);
    expect(matchesRflinkAddress({ protocol: 'FA20RF', id: '0363a0' }, m)).toBe(false);
  });

  it('lookup keys are contract/site.ts deviceAddress() keys, most specific first', () => {
    const withSwitch = Device.parse({ id: 'door-1', profile: 'door-contact', roomId: 'r1', transport: 'rflink', rflink: { protocol: 'EV1527', id: '0363A0', switch: '0a' } });
    const anySwitch = Device.parse({ id: 'door-2', profile: 'door-contact', roomId: 'r1', transport: 'rflink', rflink: { protocol: 'EV1527', id: '0363a0' } });
    expect(rflinkLookupKeys(m)).toEqual([deviceAddress(withSwitch), deviceAddress(anySwitch)]);
  });
});

describe('encodeRflinkLine (simulators)', () => {
  it('writes the firmware format, which the splitter and decoder read back', () => {
    const line = encodeRflinkLine({ protocol: 'EV1527', id: '0a1b2c', switch: '01', cmd: 'ON', values: { BAT: 'LOW', TEMP: encodeRflinkTemperature(-1.3) } }, 0x13a);
    expect(line).toBe('20;3A;EV1527;ID=0a1b2c;SWITCH=01;CMD=ON;BAT=LOW;TEMP=800d;\r\n');
    const frames = new RflinkLineSplitter().push(line).frames;
    expect(frames.map((f) => msg(f))).toEqual([{ kind: 'device', node: 20, seq: '3A', protocol: 'EV1527', id: '0a1b2c', switch: '01', cmd: 'ON', values: { BAT: 'LOW', TEMP: '800d' } }]);
  });

  it('refuses separators inside fields and non-hex ids', () => {
    expect(() => encodeRflinkLine({ protocol: 'A;B', id: '01' }, 0)).toThrow(RangeError);
    expect(() => encodeRflinkLine({ protocol: 'AB', id: 'zz' }, 0)).toThrow(RangeError);
  });

  it('encodes temperatures as sign-magnitude hex tenths', () => {
    expect(encodeRflinkTemperature(20.7)).toBe('00cf');
    expect(encodeRflinkTemperature(-1.3)).toBe('800d');
    expect(signMagnitudeTenths(encodeRflinkTemperature(-25.5))).toBe(-25.5);
  });
});
