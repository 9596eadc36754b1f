import { describe, expect, it } from 'vitest';
import {
  decodeGb26875Frame, encodeComponentStatusData, encodeGb26875Confirm, encodeGb26875Deny, encodeGb26875Frame,
  encodeSystemStatusData, encodeTransmissionDeviceOperationData, encodeTransmissionDeviceStatusData,
  gbToReadings, type GbFrame, type GbFrameInput,
} from '../../devices/codecs/gb26875/index.ts';
import { loadSerialCases } from './serial-fuzz-helpers.ts';

const fixture = (prefix: string) => Buffer.from(loadSerialCases('gb26875').find((c) => c.id.startsWith(prefix))?.input ?? '', 'hex');
const T0 = Date.parse('2024-03-05T10:20:30+08:00');
const HEADER: Omit<GbFrameInput, 'command' | 'appData'> = { serial: 7, time: T0, source: 0x0a0b0c0d0e0f, destination: 0x010203040506 };

function decoded(buf: Buffer, opts = {}): GbFrame {
  const d = decodeGb26875Frame(buf, opts);
  if (!d.ok) throw new Error(`${d.reason}: ${d.detail}`);
  return d.value;
}

function sendData(appData: Buffer): GbFrame {
  return decoded(encodeGb26875Frame({ ...HEADER, command: 2, appData }));
}

describe('encodeGb26875Frame (simulators) round-trips through the decoder', () => {
  it('reproduces gb-001 byte for byte from its decoded fields', () => {
    const original = decoded(fixture('gb-001'));
    const appData = fixture('gb-001').subarray(27, 27 + original.appDataLength);
    const rebuilt = encodeGb26875Frame({
      serial: original.serial, version: original.version, time: original.timeFields,
      source: original.source, destination: original.destination, command: original.command, appData,
    });
    expect(rebuilt).toEqual(fixture('gb-001'));
  });

  it('writes type-2 component objects with GB18030 descriptions the decoder reads back', () => {
    const frame = sendData(encodeComponentStatusData([
      { systemType: 1, systemAddress: 1, componentType: 42, componentAddress: 0x00010203, status: { normal_running: true, fire_alarm: true }, description: '３楼东走廊烟感', time: T0 },
      { systemType: 12, systemAddress: 2, componentType: 96, componentAddress: 77, status: 0x0001, description: 'Zone B riser', time: T0 + 1000 },
    ]));
    expect(frame.appTypeName).toBe('component_status');
    expect(frame.units).toMatchObject([
      { kind: 'component_status', componentTypeName: 'smoke_detector', componentAddress: 0x00010203, statusRaw: 0x0003, description: '３楼东走廊烟感', time: T0 },
      { kind: 'component_status', componentTypeName: 'water_flow_indicator', componentAddress: 77, statusRaw: 0x0001, description: 'Zone B riser', time: T0 + 1000 },
    ]);
  });

  it('refuses a description longer than 31 GB18030 bytes', () => {
    expect(() => encodeComponentStatusData([{ systemType: 1, systemAddress: 1, componentType: 40, componentAddress: 1, status: 0, description: '一二三四五六七八九十一二三四五六', time: T0 }])).toThrow(RangeError);
  });

  it('writes the panel time at the configured offset (header time is panel wall time, no zone)', () => {
    const utc = decoded(encodeGb26875Frame({ ...HEADER, command: 3 }, { tzOffsetMinutes: 0 }), { tzOffsetMinutes: 0 });
    expect(utc.timeFields).toMatchObject({ hour: 2, minute: 20, second: 30 });
    expect(utc.time).toBe(T0);
    const shanghai = decoded(encodeGb26875Frame({ ...HEADER, command: 3 }));
    expect(shanghai.timeFields).toMatchObject({ hour: 10 });
    expect(shanghai.time).toBe(T0);
  });
});

describe('encodeGb26875Confirm: the reply to a send-data frame', () => {
  const fire = decoded(fixture('gb-001'));

  it('keeps serial, version and time label, swaps the addresses, carries no application data', () => {
    const confirm = decoded(encodeGb26875Confirm(fire));
    expect(confirm).toMatchObject({ serial: fire.serial, version: fire.version, timeFields: fire.timeFields, command: 3, commandName: 'confirm', appDataLength: 0, units: [] });
    expect(confirm.source).toBe(fire.destination);
    expect(confirm.destination).toBe(fire.source);
  });

  it('is gb-011 with the two address fields exchanged (gb-011 keeps gb-001\'s header as assembled)', () => {
    const ours = encodeGb26875Confirm(fire);
    const gb011 = fixture('gb-011');
    const swapped = Buffer.concat([gb011.subarray(0, 12), gb011.subarray(18, 24), gb011.subarray(12, 18), gb011.subarray(24)]);
    expect(ours).toEqual(swapped);
  });

  it('carries the send time when given one', () => {
    const now = new Date('2024-01-02T03:04:05Z');
    expect(decoded(encodeGb26875Confirm(fire, now)).time).toBe(now.getTime());
  });

  it('deny has the same shape with command 6', () => {
    expect(decoded(encodeGb26875Deny(fire))).toMatchObject({ command: 6, commandName: 'deny', serial: fire.serial, source: fire.destination });
  });
});

describe('decodeGb26875Frame: application data types', () => {
  it('type 1: system status, with the panel\'s power and bus faults', () => {
    const frame = sendData(encodeSystemStatusData([{ systemType: 1, systemAddress: 4, status: { normal_running: true, main_power_fault: true }, time: T0 }]));
    expect(frame.units).toMatchObject([{ kind: 'system_status', systemAddress: 4, status: { normal_running: true, fire_alarm: false, main_power_fault: true } }]);
  });

  it('type 3: analog values in decimal units (temperature tenths, signed)', () => {
    const obj = Buffer.from('0102' + '1e' + '05000000' + '03' + '1bff' + '1e140a050318', 'hex');
    const frame = sendData(Buffer.concat([Buffer.of(3, 1), obj]));
    expect(frame.units).toMatchObject([{ kind: 'component_analog_value', componentType: 30, componentAddress: 5, analogTypeName: 'temperature', raw: -229, value: -22.9, unit: '°C' }]);
  });

  it('type 21 and 24: transmission device status and operation', () => {
    const status = sendData(encodeTransmissionDeviceStatusData([{ status: { normal_running: true, monitoring_link_fault: true }, time: T0 }]));
    expect(status.units).toMatchObject([{ kind: 'transmission_device_status', status: { monitoring_link_fault: true, fire_alarm: false }, time: T0 }]);
    const op = sendData(encodeTransmissionDeviceOperationData([{ operation: { self_check: true }, operator: 3, time: T0 }]));
    expect(op.units).toMatchObject([{ kind: 'transmission_device_operation', operation: { self_check: true, reset: false }, operator: 3 }]);
  });

  it('types 25, 26, 28: device version, config text, clock', () => {
    expect(sendData(Buffer.from('19010203', 'hex')).units).toEqual([{ kind: 'transmission_device_software_version', major: 2, minor: 3 }]);
    const config = Buffer.concat([Buffer.of(26, 1, 4), Buffer.from('b2e2cad4', 'hex')]); // 测试
    expect(sendData(config).units).toEqual([{ kind: 'transmission_device_config', config: '测试' }]);
    expect(sendData(Buffer.from('1c011e140a050318', 'hex')).units).toMatchObject([{ kind: 'transmission_device_time', panelTime: '2024-03-05 10:20:30', time: T0 }]);
  });

  it('an unknown type is one unsupported unit, and the frame still decodes', () => {
    const frame = sendData(Buffer.from('c8020102', 'hex'));
    expect(frame.appType).toBe(200);
    expect(frame.units).toEqual([{ kind: 'unsupported', type: 200, raw: Buffer.from('0102', 'hex') }]);
  });

  it('rejects objects that run past the application data', () => {
    const short = encodeComponentStatusData([{ systemType: 1, systemAddress: 1, componentType: 40, componentAddress: 1, status: 0, time: T0 }]);
    short[1] = 2; // declares two 46-byte objects, carries one
    expect(decodeGb26875Frame(encodeGb26875Frame({ ...HEADER, command: 2, appData: short }))).toMatchObject({ ok: false, reason: 'bad_frame' });
  });

  it('rejects reserved commands as unsupported and a clock that is no date as a null time', () => {
    const weird = encodeGb26875Frame({ ...HEADER, command: 7 as unknown as 2 });
    expect(decodeGb26875Frame(weird)).toMatchObject({ ok: false, reason: 'unsupported' });
    const noClock = decoded(encodeGb26875Frame({ ...HEADER, time: { second: 0, minute: 0, hour: 0, day: 0, month: 0, year: 2000 }, command: 3 }));
    expect(noClock.time).toBeNull();
  });

  it('rejects trailing bytes after the declared frame when decoding one frame', () => {
    expect(decodeGb26875Frame(Buffer.concat([fixture('gb-011'), Buffer.of(0)]))).toMatchObject({ ok: false, reason: 'bad_frame' });
  });
});

describe('gbToReadings: what a frame says about the site\'s devices', () => {
  const component = (componentType: number, status: number) => sendData(encodeComponentStatusData([
    { systemType: 1, systemAddress: 2, componentType, componentAddress: 1001, status, time: T0 },
  ]));

  it('gb-001: fire alarm of a general component → smoke at (system 3, component 393433), with its description and time', () => {
    expect(gbToReadings(decoded(fixture('gb-001')), 0)).toEqual([{
      address: { systemAddress: 3, componentAddress: 393433 }, fields: { smoke: true, fault: false },
      ts: Date.parse('2020-08-01T19:18:48+08:00'), description: 'Ａ区１层呷哺走廊', source: 'component_status',
    }]);
  });

  it('heat detectors (types 30–37) raise heat, smoke detectors smoke', () => {
    expect(gbToReadings(component(31, 0x0003), 0)[0]?.fields).toEqual({ heat: true, fault: false });
    expect(gbToReadings(component(40, 0x0003), 0)[0]?.fields).toEqual({ smoke: true, fault: false });
    expect(gbToReadings(component(40, 0x0001), 0)[0]?.fields).toEqual({ smoke: false, fault: false });
  });

  it('a water-flow indicator (96) reports flow on alarm or feedback', () => {
    expect(gbToReadings(component(96, 0x0041), 0)[0]?.fields).toEqual({ water_flow: true, fault: false });
    expect(gbToReadings(component(96, 0x0001), 0)[0]?.fields).toEqual({ water_flow: false, fault: false });
  });

  it('fault and power fault bits are a fault; a quiet sounder reports only that', () => {
    expect(gbToReadings(component(121, 0x0101), 0)[0]?.fields).toEqual({ fault: true });
    expect(gbToReadings(component(121, 0x0001), 0)[0]?.fields).toEqual({ fault: false });
  });

  it('gas detectors (10–13) have no hazard field in the vocabulary', () => {
    expect(gbToReadings(component(11, 0x0003), 0)[0]?.fields).toEqual({ fault: false });
  });

  it('system status maps to the panel, address (system, 0)', () => {
    const frame = sendData(encodeSystemStatusData([{ systemType: 1, systemAddress: 4, status: { normal_running: true, fire_alarm: true, bus_fault: true }, time: T0 }]));
    expect(gbToReadings(frame, 0)).toEqual([{ address: { systemAddress: 4, componentAddress: 0 }, fields: { smoke: true, fault: true }, ts: T0, source: 'system_status' }]);
  });

  it('a self-check operation is a test of the panel (type 4) or of the transmission device (type 24, gb-017)', () => {
    expect(gbToReadings(decoded(fixture('gb-017')), 0)).toMatchObject([{ address: { systemAddress: 0, componentAddress: 0 }, fields: { test: true } }]);
    // gb-015 is a manual alarm operation: not a test, no reading
    expect(gbToReadings(decoded(fixture('gb-015')), 0)).toEqual([]);
  });

  it('falls back to the frame time, then the receive time, when the object time is no date', () => {
    const data = encodeComponentStatusData([{ systemType: 1, systemAddress: 2, componentType: 40, componentAddress: 9, status: 3, time: { second: 0, minute: 0, hour: 0, day: 0, month: 0, year: 2000 } }]);
    expect(gbToReadings(sendData(data), 123)[0]?.ts).toBe(T0);
    const noClock = decoded(encodeGb26875Frame({ ...HEADER, time: { second: 99, minute: 0, hour: 0, day: 1, month: 1, year: 2000 }, command: 2, appData: data }));
    expect(gbToReadings(noClock, 123)[0]?.ts).toBe(123);
  });

  it('confirm, request and deny frames carry no readings', () => {
    expect(gbToReadings(decoded(fixture('gb-011')), 0)).toEqual([]);
    expect(gbToReadings(decoded(fixture('gb-007')), 0)).toEqual([]);
  });
});
