import { describe, expect, it } from 'vitest';
import type { DeviceFields } from '../../contract/index.ts';
import { decodeNativeState, decodeNativeStateForProfile, encodeNativeState } from '../../devices/codecs/native.ts';
import { decodeZ2mState, encodeZ2mState } from '../../devices/codecs/zigbee2mqtt.ts';
import { encodeZ2mActionReset, sampleState } from '../../devices/encode.ts';
import { listProfiles } from '../../devices/registry.ts';

/** A state for each profile that differs from its quiet sample in every boolean. */
function alarmingState(sample: DeviceFields): DeviceFields {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sample)) out[k] = typeof v === 'boolean' ? !v : v;
  return out as DeviceFields;
}

describe.each(listProfiles().map((p) => [p.id, p] as const))('round trip: %s', (_id, profile) => {
  const states: [string, DeviceFields][] = [
    ['sample', profile.sample],
    ['every boolean flipped', alarmingState(profile.sample)],
    ['low battery', sampleState(profile, profile.fields.includes('battery') ? { battery: 7, battery_low: true } : {})],
  ];

  it.each(states)('native: %s', (_what, fields) => {
    const text = encodeNativeState(fields, { ts: 1_700_000_000_123, seq: 9 });
    expect(decodeNativeState(text, 0)).toEqual({ ok: true, value: { fields, ts: 1_700_000_000_123, seq: 9 } });
    expect(decodeNativeStateForProfile(text, 0, profile).ok).toBe(true);
  });

  it('native: ISO ts round-trips to the same instant', () => {
    const iso = '2026-01-02T03:04:05.678+08:00';
    const r = decodeNativeState(encodeNativeState(profile.sample, { ts: iso }), 0);
    expect(r.ok && r.value.ts).toBe(Date.parse(iso));
  });

  it.each(states)('zigbee2mqtt: %s, under every model the profile knows', (_what, fields) => {
    for (const model of [undefined, ...Object.keys(profile.z2m?.models ?? {})]) {
      const text = encodeZ2mState(fields, profile, { model, linkquality: 90, lastSeen: '2024-11-30T15:48:52+01:00' });
      const r = decodeZ2mState(text, profile, model);
      expect(r, `model ${model ?? '(default)'}`).toEqual({ ok: true, value: { fields, ts: Date.parse('2024-11-30T14:48:52Z') } });
    }
  });
});

it('zigbee2mqtt: the action reset that follows a call decodes as no event, not a cancel', () => {
  const withAction = listProfiles().filter((p) => p.fields.includes('action'));
  expect(withAction.length).toBeGreaterThan(0);
  for (const profile of withAction) {
    const r = decodeZ2mState(encodeZ2mActionReset(profile.sample, profile), profile);
    const { action: _event, ...rest } = profile.sample;
    expect(r.ok && r.value.fields).toEqual(rest);
  }
});
