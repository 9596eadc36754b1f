import { describe, expect, it } from 'vitest';
import { DeviceFields, EventKind, FIELD_NAMES } from '../../contract/index.ts';
import { decodeZ2mState, encodeZ2mState } from '../../devices/codecs/zigbee2mqtt.ts';
import { PROFILE_IDS } from '../../devices/profile-ids.ts';
import { getProfile, listProfiles, PROFILES } from '../../devices/registry.ts';
import { COMMON_DETECTOR_FIELDS, profilesPlatformNames } from '../../devices/codecs/platform/field-map.ts';
import { battery, smokeAlarm } from '../../devices/profiles/capabilities.ts';
import { defineProfile } from '../../devices/profiles/define.ts';

const profiles = listProfiles();

describe('profile registry', () => {
  it('registers every id of PROFILE_IDS exactly once, and nothing else', () => {
    const ids = profiles.map((p) => p.id);
    expect([...ids].sort()).toEqual([...PROFILE_IDS].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(PROFILES.size).toBe(PROFILE_IDS.length);
    for (const id of PROFILE_IDS) expect(getProfile(id)?.id).toBe(id);
  });

  it('answers undefined for an unknown id, including Object.prototype names', () => {
    expect(getProfile('fog-machine')).toBeUndefined();
    expect(getProfile('constructor')).toBeUndefined();
    expect(getProfile('__proto__')).toBeUndefined();
  });

  it('freezes profiles so no caller can change another site\'s definition', () => {
    for (const p of profiles) expect(Object.isFrozen(p)).toBe(true);
  });
});

describe('platform names come from the profiles (issue 21: profiles are the one source)', () => {
  it('a CTWing smoke detector\'s smoke_state and battery_state are what the smoke detector profile declares', () => {
    // CTWing's standard smoke-detector template: smoke_state 1 = alarm; the published event example: battery_state 1 = low.
    expect(getProfile('smoke-detector')!.platformNames).toMatchObject({ smoke_state: { field: 'smoke' }, battery_state: { field: 'battery_low' } });
    expect(COMMON_DETECTOR_FIELDS.smoke_state).toEqual(getProfile('smoke-detector')!.platformNames.smoke_state);
    expect(COMMON_DETECTOR_FIELDS.sos_state).toEqual(getProfile('call-button')!.platformNames.sos_state);
  });

  it('refuses two profiles that read one platform name differently', () => {
    const a = defineProfile({ id: 'smoke-detector', title: 'a', power: 'battery', reportIntervalSec: 60, extend: [smokeAlarm(), battery()] });
    const b = defineProfile({
      id: 'heat-detector', title: 'b', power: 'battery', reportIntervalSec: 60,
      extend: [{ ...smokeAlarm(), platformNames: { smoke_state: { field: 'heat', map: { 0: false, 1: true } } } }],
    });
    expect(() => profilesPlatformNames([a, b])).toThrow(/profiles smoke-detector and heat-detector read platform name "smoke_state" differently/);
    expect(() => profilesPlatformNames([a, a])).not.toThrow();
  });
});

describe.each(profiles.map((p) => [p.id, p] as const))('profile %s', (_id, profile) => {
  it('has only contract fields, each once', () => {
    expect(profile.fields.length).toBeGreaterThan(0);
    for (const f of profile.fields) expect(FIELD_NAMES).toContain(f);
    expect(new Set(profile.fields).size).toBe(profile.fields.length);
  });

  it('raises only valid event kinds, and is supervised', () => {
    for (const kind of profile.raises) expect(EventKind.safeParse(kind).success).toBe(true);
    expect(profile.raises).toContain('device.offline');
    expect(profile.raises).not.toContain('gateway.offline');
  });

  it('has a supervision period between 5 min and 2 days', () => {
    expect(profile.reportIntervalSec).toBeGreaterThanOrEqual(300);
    expect(profile.reportIntervalSec).toBeLessThanOrEqual(2 * 86400);
  });

  it('takes activity signals only from its own fields', () => {
    for (const f of profile.activitySignals) expect(profile.fields).toContain(f);
    if (profile.activitySignals.length > 0) expect(profile.raises).toContain('inactivity.no_activity');
  });

  it('needs a test proof exactly when it can raise device.untested', () => {
    expect(profile.raises.includes('device.untested')).toBe(profile.testable);
  });

  it('has a sample state that is valid contract fields covering every profile field', () => {
    expect(DeviceFields.safeParse(profile.sample).success).toBe(true);
    expect(Object.keys(profile.sample).sort()).toEqual([...profile.fields].sort());
  });

  it('maps Zigbee2MQTT aliases only into its own fields', () => {
    const aliases = [...(profile.z2m?.aliases ?? []), ...Object.values(profile.z2m?.models ?? {}).flat()];
    for (const a of aliases) expect(profile.fields).toContain(a.field);
    if (profile.z2m) expect(Object.keys(profile.z2m.models)).toContain(profile.z2m.encodeModel);
  });

});

describe('Zigbee2MQTT mapping', () => {
  const zigbee = profiles.filter((p) => p.z2m !== undefined);

  it('exists for the Zigbee device kinds of the fixtures', () => {
    expect(zigbee.map((p) => p.id).sort()).toEqual([
      'call-button', 'door-contact', 'heat-detector', 'motion-sensor', 'presence-radar', 'smoke-detector', 'water-leak-sensor',
    ]);
  });

  it.each(zigbee.map((p) => [p.id, p] as const))('%s decodes its own encoded sample under every model it knows', (_id, profile) => {
    for (const model of [undefined, ...Object.keys(profile.z2m?.models ?? {})]) {
      const decoded = decodeZ2mState(encodeZ2mState(profile.sample, profile, { model }), profile, model);
      expect(decoded.ok && decoded.value.fields, `model ${model ?? '(none)'}`).toEqual(profile.sample);
      if (decoded.ok) expect(DeviceFields.safeParse(decoded.value.fields).success).toBe(true);
    }
  });
});

describe('profile contents that rules depend on', () => {
  const get = (id: string) => {
    const p = getProfile(id);
    if (!p) throw new Error(`no profile ${id}`);
    return p;
  };

  it('smoke detectors raise smoke, test, confirmation and every device condition', () => {
    expect([...get('smoke-detector').raises].sort()).toEqual([
      'device.battery_low', 'device.fault', 'device.offline', 'device.tamper', 'fire.confirmed', 'fire.smoke', 'fire.test',
    ]);
  });

  it('heat detectors have heat, not smoke', () => {
    expect(get('heat-detector').fields).toContain('heat');
    expect(get('heat-detector').fields).not.toContain('smoke');
  });

  it('call buttons and wearables need weekly test proof (JGJ/T 484-2019 10.3.1); detectors do not', () => {
    const testable = profiles.filter((p) => p.testable).map((p) => p.id).sort();
    expect(testable).toEqual(['call-button', 'watch-4g', 'wearable']);
  });

  it('battery Zigbee devices are supervised at Zigbee2MQTT\'s passive 1500 min, mains ones at 10 min', () => {
    for (const p of profiles.filter((p) => p.z2m)) {
      expect(p.reportIntervalSec).toBe(p.power === 'battery' ? 1500 * 60 : 10 * 60);
    }
  });

  it('a 4G watch is supervised at three missed 5-minute LK keep-alives', () => {
    expect(get('watch-4g').reportIntervalSec).toBe(15 * 60);
  });

  it('motion, presence, bed and door devices prove activity; fire devices do not', () => {
    expect(get('motion-sensor').activitySignals).toEqual(['occupancy']);
    expect(get('presence-radar').activitySignals).toEqual(['presence']);
    expect(get('bed-sensor').activitySignals).toEqual(['in_bed']);
    expect(get('door-contact').activitySignals).toEqual(['contact']);
    expect(get('smoke-detector').activitySignals).toEqual([]);
  });
});
