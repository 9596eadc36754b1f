import { describe, expect, it } from 'vitest';
import { EventKind, type Event } from '../../contract/index.ts';
import { decodeGb26875Frame, encodeGb26875Frame } from '../../devices/codecs/gb26875/index.ts';
import { decodeContactId, decodeSiaDcs } from '../../devices/codecs/sia-dc09/index.ts';
import { DEFAULT_DC09_CODES, eventToDc09, eventToGb26875 } from '../../devices/upstream/index.ts';
import { loadSerialCases } from './serial-fuzz-helpers.ts';

const event = (kind: EventKind, action: Event['action'] = 'raise', extra: Partial<Event> = {}): Event => ({
  id: 'evt-00000001', siteId: 'demo', kind, action, severity: 'critical', lane: 'life_safety', subject: 'device:smoke-1',
  deviceId: 'smoke-1', ts: Date.parse('2026-12-05T08:00:00Z'), createdAt: 0, seq: 0, count: 1, ...extra,
});

describe('events → DC-09 data (issue 23 code list)', () => {
  it('maps the codes the issue names', () => {
    const cid = (k: EventKind) => DEFAULT_DC09_CODES[k]?.cid;
    expect([cid('fire.confirmed'), cid('fire.smoke'), cid('fire.water_flow'), cid('call.button'), cid('wearable.fall'), cid('inactivity.no_activity')])
      .toEqual([110, 111, 113, 101, 100, 641]);
    for (const k of ['device.offline', 'device.battery_low', 'device.tamper', 'device.fault'] as const) expect(cid(k)! >= 300 && cid(k)! < 400).toBe(true);
  });

  it('gives every event kind a decision (a code or null), never undefined', () => {
    for (const k of EventKind.options) expect(DEFAULT_DC09_CODES[k], k).not.toBeUndefined();
  });

  it('Contact ID: zone = device number, qualifier 1 new / 3 restore', () => {
    const opts = { format: 'ADM-CID' as const, codes: DEFAULT_DC09_CODES, zoneOf: () => 12 };
    expect(decodeContactId(eventToDc09(event('fire.smoke'), opts)!.data)).toEqual({ qualifier: 'new', code: 111, partition: 1, zone: 12 });
    expect(decodeContactId(eventToDc09(event('fire.smoke', 'clear'), opts)!.data)).toMatchObject({ qualifier: 'restore', code: 111 });
  });

  it('SIA DC-03: restore code on clear, user = staff number where the event names one', () => {
    const opts = { format: 'SIA-DCS' as const, codes: DEFAULT_DC09_CODES, zoneOf: () => 3 };
    expect(eventToDc09(event('call.button'), opts)).toEqual({ token: 'SIA-DCS', data: 'Nri1/QA003' });
    expect(decodeSiaDcs(eventToDc09(event('call.button', 'clear', { details: { staffNumber: 17 } }), opts)!.data)).toEqual({ code: 'QH', zone: 3, area: 1, user: 17 });
  });

  it('a site override replaces a code; null keeps a kind off the link', () => {
    const codes = { ...DEFAULT_DC09_CODES, 'call.button': { cid: 100, sia: 'MA', siaRestore: 'MH' }, 'fire.test': null };
    const opts = { format: 'ADM-CID' as const, codes, zoneOf: () => 1 };
    expect(eventToDc09(event('call.button'), opts)?.data).toBe('1100 01 001');
    expect(eventToDc09(event('fire.test', 'record'), opts)).toBeNull();
  });
});

describe('events → GB/T 26875.3 application data', () => {
  const component = { systemType: 1, systemAddress: 0, componentType: 40, componentAddress: 12, description: '三楼走廊烟感' };
  const frame = (app: Buffer) => {
    const bytes = encodeGb26875Frame({ serial: 1, time: 0, source: 1, destination: 0, command: 2, appData: app });
    const decoded = decodeGb26875Frame(bytes);
    if (!decoded.ok) throw new Error(decoded.detail);
    return decoded.value;
  };

  it('a smoke alarm is a component status with the fire-alarm bit, its clear the normal bit', () => {
    const f = frame(eventToGb26875(event('fire.smoke'), { componentOf: () => component })!);
    expect(f.appType).toBe(2);
    expect(f.units[0]).toMatchObject({ componentType: 40, componentAddress: 12, description: '三楼走廊烟感', status: { fire_alarm: true } });
    const c = frame(eventToGb26875(event('fire.smoke', 'clear'), { componentOf: () => component })!);
    expect(c.units[0]).toMatchObject({ status: { fire_alarm: false, normal_running: true } });
  });

  it('golden: a detector\'s fire alarm is gb-001\'s application data byte for byte (shootingfans/codec_gb26875_3_2011 codec_test.go#L87)', () => {
    // gb-001: a user information transmission device reporting "Ａ区１层呷哺走廊" in fire alarm
    // (system 1 address 3, component type 0 address 393433, status 0x0002, 2020-08-01 19:18:48 +08:00).
    const gb001 = Buffer.from(loadSerialCases('gb26875').find((c) => c.id === 'gb-001-component-fire-alarm')!.input, 'hex');
    const published = { systemType: 1, systemAddress: 3, componentType: 0, componentAddress: 393433, description: 'Ａ区１层呷哺走廊' };
    const app = eventToGb26875(event('fire.smoke', 'raise', { ts: Date.parse('2020-08-01T19:18:48+08:00') }), { componentOf: () => published })!;
    expect(app.toString('hex')).toBe(gb001.subarray(27, 27 + 48).toString('hex'));
    // And the whole frame, with gb-001's header (serial 0, 2020-10-22 17:13:24, to 0x010203040506).
    const frame = encodeGb26875Frame({ serial: 0, time: Date.parse('2020-10-22T17:13:24+08:00'), source: 0, destination: 0x010203040506, command: 2, appData: app });
    expect(frame.toString('hex')).toBe(gb001.toString('hex'));
  });

  it('the frame time is the event time at +08:00', () => {
    const f = frame(eventToGb26875(event('fire.heat'), { componentOf: () => component })!);
    expect((f.units[0] as { time: number }).time).toBe(Date.parse('2026-12-05T08:00:00Z'));
  });

  it('fire confirmed → system status (type 1); fire test → system operation "test" (type 4); a detector fault → the fault bit, low battery → power fault; gateway trouble → the device\'s own status (type 21)', () => {
    const opts = { componentOf: () => component };
    const unit = (kind: EventKind, action: Event['action'] = 'raise') => {
      const f = frame(eventToGb26875(event(kind, action), opts)!);
      return { appType: f.appType, ...(f.units[0] as unknown as Record<string, unknown>) };
    };
    expect(unit('fire.confirmed')).toMatchObject({ appType: 1, kind: 'system_status', systemType: 1, status: { fire_alarm: true } });
    expect(unit('fire.test', 'record')).toMatchObject({ appType: 4, kind: 'system_operation', operation: { test: true } });
    expect(unit('device.fault')).toMatchObject({ appType: 2, componentAddress: 12, status: { fault: true, fire_alarm: false } });
    expect(unit('device.fault', 'clear')).toMatchObject({ appType: 2, status: { fault: false, normal_running: true } });
    expect(unit('device.battery_low')).toMatchObject({ appType: 2, status: { power_fault: true } });
    expect(unit('gateway.trouble')).toMatchObject({ appType: 21, kind: 'transmission_device_status', status: { fault: true } });
  });

  it('care events and devices that are no fire facility are not sent to the fire centre', () => {
    expect(eventToGb26875(event('call.button'), { componentOf: () => component })).toBeNull();
    expect(eventToGb26875(event('device.fault'), { componentOf: () => null })).toBeNull();
  });
});
