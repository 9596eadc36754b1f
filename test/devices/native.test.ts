import { describe, expect, it } from 'vitest';
import { DeviceFields, FIELD_NAMES } from '../../contract/index.ts';
import { FIELD_TYPES } from '../../devices/codecs/coerce.ts';
import {
  decodeNativeAvailability, decodeNativeState, decodeNativeStateForProfile, encodeNativeAvailability, encodeNativeState,
} from '../../devices/codecs/native.ts';
import { getProfile } from '../../devices/registry.ts';

const RECEIVED_AT = 1_750_000_000_000;

function profile(id: string) {
  const p = getProfile(id);
  if (!p) throw new Error(`no profile ${id}`);
  return p;
}

function rejection(result: ReturnType<typeof decodeNativeState>) {
  return result.ok ? undefined : { reason: result.reason, detail: result.detail };
}

describe('native state: carewatch/{site}/devices/{id}/state', () => {
  it('decodes any subset of the field vocabulary', () => {
    const r = decodeNativeState('{"smoke":true,"battery":87,"battery_low":false}', RECEIVED_AT);
    expect(r).toEqual({ ok: true, value: { fields: { smoke: true, battery: 87, battery_low: false }, ts: RECEIVED_AT } });
  });

  it('accepts a Buffer as MQTT delivers it', () => {
    const r = decodeNativeState(Buffer.from('{"occupancy":true}'), RECEIVED_AT);
    expect(r.ok && r.value.fields).toEqual({ occupancy: true });
  });

  it('uses the gateway receive time when the payload has no ts (CONTRACT.md)', () => {
    const r = decodeNativeState('{"contact":false}', 42);
    expect(r.ok && r.value.ts).toBe(42);
  });

  it('takes ts as ISO 8601 with an offset', () => {
    const iso = '2026-04-17T23:33:17+08:00';
    const r = decodeNativeState(JSON.stringify({ in_bed: true, ts: iso }), RECEIVED_AT);
    expect(r.ok && r.value.ts).toBe(Date.parse(iso));
  });

  it('takes ts as epoch milliseconds, and keeps seq', () => {
    const r = decodeNativeState('{"water_leak":true,"ts":1656118444933,"seq":17}', RECEIVED_AT);
    expect(r.ok && r.value).toEqual({ fields: { water_leak: true }, ts: 1656118444933, seq: 17 });
  });

  it('rejects an ISO ts without a zone: the instant would be a guess', () => {
    expect(rejection(decodeNativeState('{"smoke":false,"ts":"2026-04-17T23:33:17"}', RECEIVED_AT))?.reason).toBe('schema');
  });

  it('ignores linkquality, as Zigbee2MQTT consumers do', () => {
    const r = decodeNativeState('{"presence":true,"linkquality":200}', RECEIVED_AT);
    expect(r.ok && r.value.fields).toEqual({ presence: true });
  });

  it('accepts an empty object: a check-in with nothing new', () => {
    expect(decodeNativeState('{}', RECEIVED_AT)).toEqual({ ok: true, value: { fields: {}, ts: RECEIVED_AT } });
  });

  it('rejects a wrong type with the field, expected and received type', () => {
    expect(rejection(decodeNativeState('{"smoke":"yes"}', RECEIVED_AT))).toEqual({
      reason: 'schema', detail: 'smoke: expected boolean, received string',
    });
  });

  it('is strict: no coercion of numeric strings, no null for unknown (omit the key instead)', () => {
    expect(rejection(decodeNativeState('{"battery":"100.00"}', RECEIVED_AT))?.detail).toBe('battery: expected number, received string');
    expect(rejection(decodeNativeState('{"smoke":null}', RECEIVED_AT))?.detail).toBe('smoke: expected boolean, received null');
  });

  it('rejects values out of the contract range instead of clamping them', () => {
    expect(rejection(decodeNativeState('{"battery":101}', RECEIVED_AT))).toEqual({
      reason: 'schema', detail: 'battery: too big: expected number to be <=100',
    });
    expect(rejection(decodeNativeState('{"fall_down_status":"falling"}', RECEIVED_AT))?.detail).toMatch(/^fall_down_status: /);
  });

  it('rejects a number JSON turns into Infinity', () => {
    expect(rejection(decodeNativeState('{"temperature":1e400}', RECEIVED_AT))?.reason).toBe('schema');
  });

  it('rejects an unknown field and names it', () => {
    expect(rejection(decodeNativeState('{"smoke":false,"co2":400}', RECEIVED_AT))).toEqual({ reason: 'schema', detail: 'co2: unknown field' });
  });

  it('rejects a negative or fractional seq', () => {
    expect(rejection(decodeNativeState('{"seq":-1}', RECEIVED_AT))?.detail).toMatch(/^seq: /);
    expect(rejection(decodeNativeState('{"seq":1.5}', RECEIVED_AT))?.detail).toMatch(/^seq: /);
  });

  it.each([
    ['trailing comma', '{"contact":false,}'],
    ['truncated', '{"contact":fa'],
    ['not JSON at all', 'online'],
    ['empty', ''],
    ['whitespace', '  \n'],
  ])('rejects malformed JSON (%s) as a value', (_what, payload) => {
    expect(rejection(decodeNativeState(payload, RECEIVED_AT))?.reason).toBe('malformed_json');
  });

  it.each([['array', '[true]'], ['string', '"smoke"'], ['number', '1'], ['null', 'null'], ['boolean', 'true']])(
    'rejects JSON that is not an object (%s)',
    (type, payload) => {
      expect(rejection(decodeNativeState(payload, RECEIVED_AT))).toEqual({
        reason: 'malformed_json', detail: `expected a JSON object, received ${type}`,
      });
    },
  );

  it('rejects bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('{"smoke":'), Buffer.from([0xff, 0xfe]), Buffer.from('true}')]);
    expect(rejection(decodeNativeState(bytes, RECEIVED_AT))).toEqual({ reason: 'malformed_json', detail: 'payload is not valid UTF-8' });
  });

  it('rejects a 100,000-deep nested value without overflowing the stack', () => {
    const deep = `{"smoke":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(rejection(decodeNativeState(deep, RECEIVED_AT))).toEqual({ reason: 'schema', detail: 'smoke: expected boolean, received array' });
  });

  it('does not let a __proto__ key reach the fields', () => {
    const r = decodeNativeState('{"__proto__":{"smoke":true}}', RECEIVED_AT);
    expect(r.ok).toBe(false);
  });

  it('every accepted value passes the contract DeviceFields schema', () => {
    const r = decodeNativeState('{"heart_rate":72,"spo2":97,"steps":10,"worn":true,"latitude":31.2,"longitude":121.4}', RECEIVED_AT);
    expect(r.ok && DeviceFields.safeParse(r.value.fields).success).toBe(true);
  });
});

describe('the codecs\' field type table', () => {
  const canonical = (type: (typeof FIELD_TYPES)[keyof typeof FIELD_TYPES]): unknown =>
    type === 'boolean' ? true : type === 'number' ? 1 : type[0];
  const wrongTypes: unknown[] = [true, 1, 'x', null, [], {}];

  it('covers exactly the contract vocabulary', () => {
    expect(Object.keys(FIELD_TYPES).sort()).toEqual([...FIELD_NAMES].sort());
  });

  it.each(FIELD_NAMES.map((f) => [f]))('%s: agrees with contract DeviceFields on what type is valid', (field) => {
    const type = FIELD_TYPES[field];
    expect(DeviceFields.safeParse({ [field]: canonical(type) }).success).toBe(true);
    for (const value of wrongTypes) {
      const sameJsonType = typeof type === 'string' ? typeof value === type : typeof value === 'string';
      if (sameJsonType) continue;
      expect(DeviceFields.safeParse({ [field]: value }).success, `${field} = ${JSON.stringify(value)}`).toBe(false);
    }
    if (typeof type !== 'string') {
      expect(DeviceFields.safeParse({ [field]: type.join('') + '?' }).success).toBe(false);
      for (const option of type) expect(DeviceFields.safeParse({ [field]: option }).success).toBe(true);
    }
  });
});

describe('native state checked against the device profile', () => {
  it('accepts the fields the profile has', () => {
    const r = decodeNativeStateForProfile('{"smoke":true,"battery":50}', RECEIVED_AT, profile('smoke-detector'));
    expect(r.ok && r.value.fields).toEqual({ smoke: true, battery: 50 });
  });

  it('rejects a field the profile does not have and names it (the site file names the wrong profile)', () => {
    const r = decodeNativeStateForProfile('{"smoke":true,"water_leak":true}', RECEIVED_AT, profile('smoke-detector'));
    expect(r).toEqual({ ok: false, reason: 'schema', detail: 'water_leak: not a field of profile smoke-detector' });
  });

  it('still reports malformed JSON first', () => {
    const r = decodeNativeStateForProfile('{', RECEIVED_AT, profile('smoke-detector'));
    expect(!r.ok && r.reason).toBe('malformed_json');
  });
});

describe('native availability: carewatch/{site}/devices/{id}/availability', () => {
  it.each([
    ['online', true], ['offline', false], ['online\n', true],
    ['{"state":"online"}', true], ['{"state":"offline"}', false],
  ])('%j → online %s', (payload, online) => {
    expect(decodeNativeAvailability(payload)).toEqual({ ok: true, value: { online } });
    expect(decodeNativeAvailability(Buffer.from(payload))).toEqual({ ok: true, value: { online } });
  });

  it.each(['Online', 'true', '1', '{"state":"away"}', '{"state":1}', '{}'])('rejects %j as schema', (payload) => {
    const r = decodeNativeAvailability(payload);
    expect(!r.ok && r.reason).toBe('schema');
  });

  it('rejects broken JSON as malformed_json', () => {
    const r = decodeNativeAvailability('{"state":');
    expect(!r.ok && r.reason).toBe('malformed_json');
  });

  it('does not read an empty payload (a deleted retained message) as offline', () => {
    const r = decodeNativeAvailability('');
    expect(r.ok).toBe(false);
  });
});

describe('native encoding', () => {
  it('writes fields, ts and seq as one JSON object the decoder reads back', () => {
    const text = encodeNativeState({ smoke: true, test: false }, { ts: 1656118444933, seq: 3 });
    expect(JSON.parse(text)).toEqual({ smoke: true, test: false, ts: 1656118444933, seq: 3 });
    expect(decodeNativeState(text, 0)).toEqual({ ok: true, value: { fields: { smoke: true, test: false }, ts: 1656118444933, seq: 3 } });
  });

  it('omits ts and seq unless given', () => {
    expect(JSON.parse(encodeNativeState({ contact: true }))).toEqual({ contact: true });
  });

  it('writes the availability words the decoder reads', () => {
    expect(decodeNativeAvailability(encodeNativeAvailability(true))).toEqual({ ok: true, value: { online: true } });
    expect(decodeNativeAvailability(encodeNativeAvailability(false))).toEqual({ ok: true, value: { online: false } });
  });
});
