import { describe, expect, it } from 'vitest';
import type { DeviceFields } from '../../contract/index.ts';
import { DeviceFields as DeviceFieldsSchema, FIELD_NAMES } from '../../contract/index.ts';
import {
  decodeZ2mAvailability, decodeZ2mBridgeState, decodeZ2mLegacyAction, decodeZ2mState, encodeZ2mState,
} from '../../devices/codecs/zigbee2mqtt.ts';
import { getProfile } from '../../devices/registry.ts';
import type { FixtureCase } from './fuzz-helpers.ts';
import { loadFixtureCases } from './fuzz-helpers.ts';

function profile(id: string) {
  const p = getProfile(id);
  if (!p) throw new Error(`no profile ${id}`);
  return p;
}

const cases = loadFixtureCases('zigbee2mqtt');
const byId = new Map(cases.map((c) => [c.id, c]));
function fixture(id: string): FixtureCase {
  const c = byId.get(id);
  if (!c) throw new Error(`fixture ${id} missing`);
  return c;
}

/**
 * Golden expectations, one per fixture case: which decoder, which profile (the profile decides
 * what a property means), and what must come out. `fields` is the whole decoded state.
 */
type Golden =
  | { decoder: 'state'; profile: string; model?: string; fields: DeviceFields; ts?: number }
  | { decoder: 'state'; profile: string; rejected: 'malformed_json' | 'schema' }
  | { decoder: 'availability'; online: boolean }
  | { decoder: 'bridge'; online: boolean }
  | { decoder: 'legacy-action'; action: string };

const GOLDEN: Record<string, Golden> = {
  'z2m-001-heiman-smoke-true': {
    decoder: 'state', profile: 'smoke-detector', fields: { smoke: true, battery_low: false }, ts: Date.parse('2019-06-24T15:30:53.312Z'),
  },
  'z2m-003-xiaomi-smoke-test-button': { decoder: 'state', profile: 'smoke-detector', fields: { smoke: false, battery: 100 } },
  'z2m-005-xiaomi-smoke-minimal': { decoder: 'state', profile: 'smoke-detector', fields: { smoke: false } },
  'z2m-007-heiman-heat-alarm': {
    decoder: 'state', profile: 'heat-detector', model: 'HM-5HA-E', fields: { heat: true, battery_low: false, test: false, tamper: false },
  },
  'z2m-009-tuya-sos-action-null': {
    decoder: 'state', profile: 'call-button', model: 'TS0601_sos', fields: { battery: 100 }, ts: Date.parse('2026-04-17T15:33:17Z'),
  },
  'z2m-011-ts0215a-sos-emergency': { decoder: 'state', profile: 'call-button', model: 'TS0215A_sos', fields: { action: 'emergency' } },
  'z2m-013-ts0215a-action-topic': { decoder: 'legacy-action', action: 'emergency' },
  'z2m-015-heiman-emergency-single': {
    decoder: 'state', profile: 'call-button', model: 'HS1EB/HS1EB-E', fields: { action: 'single', battery: 51.5 },
  },
  'z2m-017-aqara-leak-state': {
    decoder: 'state', profile: 'water-leak-sensor', model: 'SJCGQ11LM',
    fields: { water_leak: false, battery: 100, battery_low: false, tamper: false }, ts: 1656118444933,
  },
  'z2m-019-aqara-leak-key-missing': {
    decoder: 'state', profile: 'water-leak-sensor', fields: { battery: 100 }, ts: Date.parse('2019-02-04T07:01:48.947Z'),
  },
  'z2m-021-smartthings-leak-minimal': { decoder: 'state', profile: 'water-leak-sensor', fields: { water_leak: true } },
  'z2m-023-aqara-vibration-reset': {
    decoder: 'state', profile: 'call-button', fields: { battery: 100 }, ts: Date.parse('2020-05-04T10:06:19Z'),
  },
  'z2m-025-aqara-motion-2018': { decoder: 'state', profile: 'motion-sensor', fields: { occupancy: true } },
  'z2m-027-aqara-motion-false-then-true': {
    decoder: 'state', profile: 'motion-sensor', model: 'RTCGQ11LM', fields: { occupancy: false, battery: 97 },
  },
  'z2m-029-tuya-radar-occupancy': {
    decoder: 'state', profile: 'presence-radar', fields: { presence: false }, ts: Date.parse('2024-11-30T14:48:52Z'),
  },
  'z2m-031-visonic-contact-open-bad-json': { decoder: 'state', profile: 'door-contact', rejected: 'malformed_json' },
  'z2m-033-bridge-state-json': { decoder: 'bridge', online: true },
  'z2m-035-bridge-state-lwt-offline': { decoder: 'bridge', online: false },
  'z2m-037-device-availability-legacy': { decoder: 'availability', online: false },
};

describe('Zigbee2MQTT golden fixtures (test/fixtures/zigbee2mqtt/cases.jsonl)', () => {
  it('has a golden expectation for every fixture case, and no stale ones', () => {
    expect(cases.length).toBeGreaterThanOrEqual(19);
    expect(Object.keys(GOLDEN).sort()).toEqual(cases.map((c) => c.id).sort());
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (id, c) => {
    const golden = GOLDEN[id];
    if (!golden) throw new Error(`no golden expectation for ${id}`);
    switch (golden.decoder) {
      case 'state': {
        const result = decodeZ2mState(c.input, profile(golden.profile), 'model' in golden ? golden.model : undefined);
        if ('rejected' in golden) {
          expect(result.ok ? 'accepted' : result.reason).toBe(golden.rejected);
          return;
        }
        if (!result.ok) throw new Error(`${id} rejected: ${result.reason} ${result.detail}`);
        expect(result.value.fields).toEqual(golden.fields);
        expect(result.value.ts).toBe(golden.ts);
        expect(DeviceFieldsSchema.safeParse(result.value.fields).success).toBe(true);
        // The same bytes as a Buffer, as MQTT delivers them.
        expect(decodeZ2mState(Buffer.from(c.input), profile(golden.profile))).toEqual(
          decodeZ2mState(c.input, profile(golden.profile), 'model' in golden ? golden.model : undefined),
        );
        return;
      }
      case 'availability':
        expect(decodeZ2mAvailability(c.input)).toEqual({ ok: true, value: { online: golden.online } });
        return;
      case 'bridge':
        expect(decodeZ2mBridgeState(c.input)).toEqual({ ok: true, value: { online: golden.online } });
        return;
      case 'legacy-action':
        expect(decodeZ2mLegacyAction(c.input)).toEqual({ ok: true, value: { action: golden.action } });
        return;
    }
  });

  it('agrees with each fixture\'s own expect: a field key with a value is decoded to it, null means absent', () => {
    for (const [id, golden] of Object.entries(GOLDEN)) {
      if (golden.decoder !== 'state' || 'rejected' in golden) continue;
      const c = fixture(id);
      const p = profile(golden.profile);
      const result = decodeZ2mState(c.input, p, golden.model);
      if (!result.ok) throw new Error(`${id} rejected`);
      const fields = result.value.fields as Record<string, unknown>;
      for (const [key, value] of Object.entries(c.expect)) {
        if (!(FIELD_NAMES as string[]).includes(key) || !(p.fields as string[]).includes(key)) continue;
        if (value === null || value === '') expect(fields[key], `${id}.${key}`).toBeUndefined();
        else expect(fields[key], `${id}.${key}`).toEqual(value);
      }
    }
  });
});

describe('Zigbee2MQTT state decoding rules', () => {
  const smoke = profile('smoke-detector');
  const heat = profile('heat-detector');
  const button = profile('call-button');
  const radar = profile('presence-radar');

  it('the profile, not the property name, decides the hazard (README §1 heat alarms)', () => {
    const develco = fixture('z2m-007-heiman-heat-alarm').input.replace('"alarm"', '"smoke"');
    expect(decodeZ2mState(develco, heat, 'HESZB-120')).toMatchObject({ ok: true, value: { fields: { heat: true } } });
    expect(decodeZ2mState(develco, heat)).toMatchObject({ ok: true, value: { fields: { heat: true } } });
    const asSmoke = decodeZ2mState(develco, smoke);
    expect(asSmoke.ok && asSmoke.value.fields).toEqual({ smoke: true, battery_low: false, test: false, tamper: false });
    // Heiman's generic `alarm` means nothing to a smoke-detector profile.
    const heiman = decodeZ2mState(fixture('z2m-007-heiman-heat-alarm').input, smoke);
    expect(heiman.ok && heiman.value.fields).toEqual({ battery_low: false, test: false, tamper: false });
  });

  it('a heat detector model reads only its own encoding when the model is known', () => {
    const r = decodeZ2mState('{"alarm":true}', heat, 'HESZB-120');
    expect(r.ok && r.value.fields).toEqual({});
  });

  it('maps every SOS encoding of a call button to action (README §1: four encodings)', () => {
    const call = (payload: string, model?: string) => {
      const r = decodeZ2mState(payload, button, model);
      return r.ok ? r.value.fields.action : `rejected ${r.reason}`;
    };
    expect(call('{"action":"emergency"}')).toBe('emergency');
    expect(call('{"action":"double"}')).toBe('double');
    expect(call('{"action":"hold"}')).toBe('hold');
    expect(call('{"emergency":true}')).toBe('emergency');
    expect(call('{"emergency":true}', 'HS1RC-M')).toBe('emergency');
    expect(call('{"sos":true}')).toBe('emergency');
    expect(call('{"action":"cancel"}')).toBe('cancel');
  });

  it('a false boolean SOS, an empty or null action, and Heiman\'s "off" are no event, never a cancel', () => {
    for (const payload of ['{"emergency":false}', '{"sos":false}', '{"action":""}', '{"action":null}', '{"action":"off"}']) {
      const r = decodeZ2mState(payload, button);
      expect(r.ok && r.value.fields, payload).toEqual({});
    }
  });

  it('an action the call vocabulary lacks is rejected as unsupported, not guessed', () => {
    expect(decodeZ2mState('{"action":"arm_all_zones","battery":80}', button)).toEqual({
      ok: false, reason: 'unsupported', detail: 'action: action "arm_all_zones" is not a call action',
    });
  });

  it('ignores action on profiles that have no action (a vibration sensor\'s events are not calls)', () => {
    const r = decodeZ2mState('{"action":"vibration","occupancy":true}', profile('motion-sensor'));
    expect(r.ok && r.value.fields).toEqual({ occupancy: true });
  });

  it('coerces battery: integer, half-percent float, numeric string; clamps to 0..100; null is unknown', () => {
    const battery = (value: string) => {
      const r = decodeZ2mState(`{"battery":${value}}`, smoke);
      return r.ok ? r.value.fields.battery : `rejected ${r.reason}`;
    };
    expect(battery('97')).toBe(97);
    expect(battery('59.5')).toBe(59.5);
    expect(battery('"100.00"')).toBe(100);
    expect(battery('" 42 "')).toBe(42);
    expect(battery('120')).toBe(100);
    expect(battery('-3')).toBe(0);
    expect(battery('null')).toBeUndefined();
    expect(battery('"full"')).toBe('rejected schema');
    expect(battery('1e400')).toBe('rejected schema');
    expect(battery('true')).toBe('rejected schema');
  });

  it('rejects a known key with a wrong type and says which (decision: counted, not silently dropped)', () => {
    expect(decodeZ2mState('{"smoke":"yes","battery":90}', smoke)).toEqual({
      ok: false, reason: 'schema', detail: 'smoke: expected boolean, received string "yes"',
    });
    expect(decodeZ2mState('{"tamper":1}', smoke)).toEqual({ ok: false, reason: 'schema', detail: 'tamper: expected boolean, received number' });
  });

  it('does not look at keys the profile does not read, whatever their type', () => {
    const r = decodeZ2mState('{"smoke":false,"water_leak":"yes","illuminance":"dark","voltage":null,"linkquality":"x"}', smoke);
    expect(r.ok && r.value.fields).toEqual({ smoke: false });
  });

  it('reads trouble as the device fault (IAS zone status bit 6)', () => {
    const r = decodeZ2mState('{"smoke":false,"trouble":true}', smoke);
    expect(r.ok && r.value.fields).toEqual({ smoke: false, fault: true });
  });

  it('rejects a value out of the contract range', () => {
    const r = decodeZ2mState('{"heat":false,"temperature":1500}', heat);
    expect(!r.ok && r.reason).toBe('schema');
    expect(!r.ok && r.detail).toMatch(/^temperature: /);
  });

  it('radar: presence, or occupancy for radars that publish it (z2m-029); fall_down_status values', () => {
    expect(decodeZ2mState('{"presence":true,"fall_down_status":"maybe_fall"}', radar)).toMatchObject({
      ok: true, value: { fields: { presence: true, fall_down_status: 'maybe_fall' } },
    });
    expect(decodeZ2mState('{"presence":true,"occupancy":false}', radar)).toMatchObject({ ok: true, value: { fields: { presence: true } } });
    const bad = decodeZ2mState('{"fall_down_status":"tumble"}', radar);
    expect(!bad.ok && bad.detail).toBe('fall_down_status: expected one of none|maybe_fall|fall, received string "tumble"');
  });

  it('takes the model from the legacy device info object when the caller has none', () => {
    const r = decodeZ2mState('{"occupancy":true,"device":{"model":"ZY-M100"}}', radar);
    expect(r.ok && r.value.fields).toEqual({}); // ZY-M100 publishes `presence`; its occupancy is not presence
    const tuya = decodeZ2mState('{"occupancy":true,"device":{"model":"TS0601_TZE204_eaulras5"}}', radar);
    expect(tuya.ok && tuya.value.fields).toEqual({ presence: true });
  });

  it('a device info status "offline" inside a live report is not availability (z2m-030)', () => {
    const r = decodeZ2mState('{"contact":true,"battery":88,"device":{"status":"offline","model":"MCT-340 E"}}', profile('door-contact'));
    expect(r.ok && r.value.fields).toEqual({ contact: true, battery: 88 });
  });

  it('contact true means closed: passed through as the contract\'s closed', () => {
    const r = decodeZ2mState('{"contact":false,"tamper":false,"battery_low":false}', profile('door-contact'));
    expect(r.ok && r.value.fields).toEqual({ contact: false, tamper: false, battery_low: false });
  });

  it('survives Object.prototype names as model or keys', () => {
    for (const model of ['constructor', '__proto__', 'toString']) {
      const r = decodeZ2mState('{"smoke":true}', smoke, model);
      expect(r.ok && r.value.fields).toEqual({ smoke: true });
    }
    const r = decodeZ2mState('{"__proto__":{"smoke":true},"constructor":1,"device":{"model":"hasOwnProperty"}}', smoke);
    expect(r.ok && r.value.fields).toEqual({});
  });

  it('the same payload twice decodes the same (z2m-020: duplicates are the gateway\'s to fold)', () => {
    const payload = fixture('z2m-001-heiman-smoke-true').input;
    expect(decodeZ2mState(payload, smoke)).toEqual(decodeZ2mState(payload, smoke));
  });

  it('last_seen: ISO with zone or epoch ms become ts; without zone or garbage, no ts', () => {
    const ts = (lastSeen: string) => {
      const r = decodeZ2mState(`{"smoke":false,"last_seen":${lastSeen}}`, smoke);
      return r.ok ? r.value.ts : 'rejected';
    };
    expect(ts('"2020-05-04T12:06:19+02:00"')).toBe(Date.parse('2020-05-04T10:06:19Z'));
    expect(ts('1656118444933')).toBe(1656118444933);
    expect(ts('"2020-05-04T12:06:19"')).toBeUndefined();
    expect(ts('"yesterday"')).toBeUndefined();
    expect(ts('-5')).toBeUndefined();
    expect(ts('null')).toBeUndefined();
  });

  it.each([
    ['empty payload', ''],
    ['bare string', 'emergency'],
    ['array', '[{"smoke":true}]'],
    ['null', 'null'],
  ])('rejects %s as malformed_json', (_what, payload) => {
    const r = decodeZ2mState(payload, smoke);
    expect(!r.ok && r.reason).toBe('malformed_json');
  });
});

describe('Zigbee2MQTT availability, bridge state and the legacy action topic', () => {
  it.each([
    ['online', true], ['offline', false], ['{"state":"online"}', true], ['{"state":"offline"}', false],
  ])('device availability %j → online %s (1.x legacy and 2.x)', (payload, online) => {
    expect(decodeZ2mAvailability(payload)).toEqual({ ok: true, value: { online } });
  });

  it('an empty retained payload is a rename/removal, not offline', () => {
    expect(decodeZ2mAvailability('')).toEqual({ ok: true, value: { removed: true } });
    expect(decodeZ2mAvailability(Buffer.alloc(0))).toEqual({ ok: true, value: { removed: true } });
  });

  it.each(['{"state":"unknown"}', 'ONLINE', '{"status":"online"}'])('rejects availability %j', (payload) => {
    expect(decodeZ2mAvailability(payload).ok).toBe(false);
  });

  it('bridge state accepts the 2.x JSON and the 1.x bare word; rejects empty and garbage', () => {
    expect(decodeZ2mBridgeState('offline')).toEqual({ ok: true, value: { online: false } });
    expect(decodeZ2mBridgeState('').ok).toBe(false);
    expect(decodeZ2mBridgeState('{"state":').ok).toBe(false);
  });

  it('legacy action: a bare word; empty or JSON-looking payloads are rejected', () => {
    expect(decodeZ2mLegacyAction('single\n')).toEqual({ ok: true, value: { action: 'single' } });
    expect(decodeZ2mLegacyAction('')).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeZ2mLegacyAction('{"action": "single"}')).toMatchObject({ ok: false, reason: 'schema' });
  });
});

describe('Zigbee2MQTT encoding (for simulators)', () => {
  it('publishes a heat alarm the way the imitated model does', () => {
    const heat = profile('heat-detector');
    expect(JSON.parse(encodeZ2mState({ heat: true }, heat))).toEqual({ smoke: true }); // default model HESZB-120
    expect(JSON.parse(encodeZ2mState({ heat: true }, heat, { model: 'HM-5HA-E' }))).toEqual({ alarm: true });
  });

  it('publishes an HS1RC-M emergency as the boolean it sends, other actions under action', () => {
    const button = profile('call-button');
    expect(JSON.parse(encodeZ2mState({ action: 'emergency' }, button, { model: 'HS1RC-M' }))).toEqual({ emergency: true });
    expect(JSON.parse(encodeZ2mState({ action: 'single' }, button, { model: 'HS1RC-M' }))).toEqual({ action: 'single' });
  });

  it('adds linkquality and last_seen when asked, which the decoder ignores / uses as ts', () => {
    const smoke = profile('smoke-detector');
    const text = encodeZ2mState({ smoke: true }, smoke, { linkquality: 120, lastSeen: 1656118444933 });
    expect(JSON.parse(text)).toEqual({ smoke: true, linkquality: 120, last_seen: 1656118444933 });
    expect(decodeZ2mState(text, smoke)).toEqual({ ok: true, value: { fields: { smoke: true }, ts: 1656118444933 } });
  });
});
