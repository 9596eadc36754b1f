import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LocalAlarm, SiteFile, type SiteFileInput } from '../../contract/index.ts';
import { createLogger } from '../../gateway/log.ts';
import { Metrics } from '../../gateway/metrics.ts';
import { LocalSounders } from '../../gateway/sounders/local-sounders.ts';

const base = (extra: Partial<SiteFileInput> = {}): SiteFileInput => ({
  site: { id: 'home-1', name: 'Home', kind: 'home', region: { city: 'c', district: 'd', street: 's', community: 'm' } },
  buildings: [{ id: 'b', name: 'B', floors: [{ id: 'f', name: 'F', level: 1, rooms: [{ id: 'hall', name: 'Hall', type: 'corridor' }] }] }],
  bridges: [{ name: 'z2m' }],
  sounders: [{ id: 'siren', friendlyName: 'siren-hall' }],
  ...extra,
});

const alarm = (over: Partial<LocalAlarm> = {}): LocalAlarm => ({
  key: 'home-1|device:smoke-1|fire.smoke', siteId: 'home-1', siteName: 'Home', timezone: 'Asia/Shanghai', kind: 'fire.smoke', severity: 'critical',
  subject: 'device:smoke-1', deviceId: 'smoke-1', room: null, raisedAt: 1, count: 1, silencedAt: null, ...over,
});

describe('site file: sounders (contract/local-sounder.ts)', () => {
  it('takes a Zigbee2MQTT siren behind a bridge, with the defaults', () => {
    const file = SiteFile.parse(base());
    expect(file.sounders).toEqual([{ id: 'siren', friendlyName: 'siren-hall', kind: 'zigbee2mqtt', on: 'critical', level: 'very_high', strobe: true, durationSec: 600 }]);
  });

  it('refuses a sounder without a bridge, an unknown bridge or room, and a duplicate id, each with its path', () => {
    const noBridge = SiteFile.safeParse(base({ bridges: [] }));
    expect(noBridge.success).toBe(false);
    expect(noBridge.error!.issues.map((i) => i.path.join('.'))).toEqual(['sounders.0.bridge']);
    const wrong = SiteFile.safeParse(base({ sounders: [
      { id: 'siren', friendlyName: 'a', bridge: 'other', roomId: 'nowhere' },
      { id: 'siren', friendlyName: 'b' },
    ] }));
    expect(wrong.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'sounders.0.roomId: no room "nowhere"', 'sounders.0.bridge: no bridge "other"', 'sounders.1.id: duplicate sounder id "siren"',
    ]);
    expect(SiteFile.safeParse(base({ sounders: [{ id: 's', friendlyName: 'x/#' }] })).success).toBe(false);
  });
});

describe('LocalSounders', () => {
  afterEach(() => { vi.useRealTimers(); });

  function make(file: SiteFileInput = base()) {
    const sent: Array<{ topic: string; payload: unknown }> = [];
    const metrics = new Metrics();
    const site = SiteFile.parse(file);
    const sounders = new LocalSounders({
      sites: () => [site], metrics, log: createLogger('test', 'silent'),
      publish: async (_siteId, _bridge, topic, payload) => { sent.push({ topic, payload: JSON.parse(payload) }); },
    });
    return { sent, metrics, sounders };
  }

  it('sounds only while the server is unreachable, and keeps sounding when it returns', () => {
    const { sent, sounders } = make();
    sounders.update([alarm()], false);
    expect(sent).toEqual([]);
    sounders.update([alarm()], true);
    expect(sent).toEqual([{ topic: 'zigbee2mqtt/siren-hall/set', payload: { warning: { mode: 'fire', level: 'very_high', strobe: true, duration: 600 } } }]);
    sounders.update([alarm()], false);
    expect(sent).toHaveLength(1);
    expect(sounders.list()[0]).toMatchObject({ sounding: true, mode: 'fire', alarms: [alarm().key] });
  });

  it('stops on a local silence and on a clear, and says why', () => {
    const { sent, sounders, metrics } = make();
    sounders.update([alarm()], true);
    sounders.update([alarm({ silencedAt: 5 })], true);
    expect(sent.at(-1)).toEqual({ topic: 'zigbee2mqtt/siren-hall/set', payload: { warning: { mode: 'stop', level: 'very_high', strobe: false, duration: 0 } } });
    sounders.update([alarm({ key: 'k2', kind: 'call.button' })], true);
    expect(sent.at(-1)!.payload).toMatchObject({ warning: { mode: 'emergency' } });
    sounders.update([], true);
    expect(sent.at(-1)!.payload).toMatchObject({ warning: { mode: 'stop' } });
    expect(metrics.value('carewatch_local_sounder_commands_total', { action: 'stop', why: 'silenced' })).toBe(1);
    expect(metrics.value('carewatch_local_sounder_commands_total', { action: 'stop', why: 'cleared' })).toBe(1);
  });

  it('ignores non-critical alarms, and non-fire ones for a fire-only sounder', () => {
    const { sent, sounders } = make(base({ sounders: [{ id: 'siren', friendlyName: 'siren-hall', on: 'fire' }] }));
    sounders.update([alarm({ severity: 'major', kind: 'water.leak' }), alarm({ key: 'k', kind: 'call.button' })], true);
    expect(sent).toEqual([]);
    sounders.update([alarm()], true);
    expect(sent).toHaveLength(1);
  });

  it('renews the warning before the siren\'s own duration runs out', () => {
    vi.useFakeTimers();
    const { sent, sounders } = make(base({ sounders: [{ id: 'siren', friendlyName: 'siren-hall', durationSec: 100 }] }));
    sounders.update([alarm()], true);
    vi.advanceTimersByTime(80_000);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.payload).toMatchObject({ warning: { mode: 'fire', duration: 100 } });
    sounders.update([], true);
    vi.advanceTimersByTime(200_000);
    expect(sent).toHaveLength(3);
  });

  it('logs, counts and shows a command that cannot be sent', async () => {
    const metrics = new Metrics();
    const site = SiteFile.parse(base());
    const sounders = new LocalSounders({ sites: () => [site], metrics, log: createLogger('test', 'silent'), publish: () => Promise.reject(new Error('broker down')) });
    sounders.update([alarm()], true);
    await new Promise((r) => setImmediate(r));
    expect(metrics.value('carewatch_local_sounder_failures_total', { action: 'start' })).toBe(1);
    expect(sounders.list()[0]!.lastError).toBe('broker down');
  });
});
