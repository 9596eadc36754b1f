import { describe, expect, it } from 'vitest';
import { type ScenarioObservation, parseExpectLine, parseStepLine } from '../../contract/index.ts';
import { checkExpectations } from '../../simulators/scenario/check-expectations.ts';
import { scenarioFrom } from '../../simulators/scenario/load-scenario.ts';

const SITE = {
  site: { id: 's1', name: 'S', kind: 'home', region: { city: 'c', district: 'd', street: 's', community: 'm' } },
  buildings: [{ id: 'b', name: 'B', floors: [{ id: 'f', name: 'F', level: 1, rooms: [{ id: 'r1', name: 'R1', type: 'bedroom' }] }] }],
  devices: [{ id: 'smoke', profile: 'smoke-detector', roomId: 'r1', transport: 'mqtt' }],
};

function scenario(expect: string[]) {
  return scenarioFrom({ name: 't', sites: [SITE], steps: ['03:10 smoke smoke=true'], expect }, '/');
}

const obs = (s: ReturnType<typeof scenario>, clock: string, o: Partial<ScenarioObservation> = {}): ScenarioObservation => ({
  at: s.at(clock), kind: 'fire.smoke', action: 'raise', siteId: 's1', subject: 'device:smoke', roomId: 'r1', deviceId: 'smoke', ...o,
});

describe('scenario expectations', () => {
  it('reads steps and expectations written as one line each', () => {
    expect(parseStepLine('03:10 bed-r12 in_bed=false')).toEqual({ ok: true, value: { at: '03:10', device: 'bed-r12', state: { in_bed: false } } });
    expect(parseStepLine('02:00 server unreachable 10 min')).toEqual({ ok: true, value: { at: '02:00', server: 'unreachable', for: '10 min' } });
    expect(parseStepLine('04:00 d7 goes silent')).toEqual({ ok: true, value: { at: '04:00', device: 'd7', silent: true } });
    expect(parseStepLine('04:00 d7 sends 20 malformed')).toEqual({ ok: true, value: { at: '04:00', device: 'd7', malformed: 20 } });
    expect(parseStepLine('04:00 d7 smoke=true retried 2')).toEqual({ ok: true, value: { at: '04:00', device: 'd7', state: { smoke: true }, retries: 2 } });
    expect(parseStepLine('04:00 d7 colour=red').ok).toBe(false);
    expect(parseExpectLine('fire.confirmed in room 203 within 10 s after 03:10:20')).toEqual({
      ok: true, value: { kind: 'fire.confirmed', action: 'raise', room: '203', within: '10 s', after: '03:10:20' },
    });
    expect(parseExpectLine('none until +1d 06:00')).toEqual({ ok: true, value: { kind: '*', action: 'raise', none: true, until: '+1d 06:00' } });
    expect(parseExpectLine('fire.smoke sometime soon').ok).toBe(false);
  });

  it('fails an alarm that came late, in another room, or twice', () => {
    const s = scenario(['fire.smoke within 10 s after 03:10', 'fire.smoke in room r1 within 10 s after 03:10', 'fire.smoke once']);
    expect(checkExpectations(s, [obs(s, '03:10:05')], s.to).map((r) => r.ok)).toEqual([true, true, true]);
    expect(checkExpectations(s, [obs(s, '03:10:11')], s.to).map((r) => r.ok)).toEqual([false, false, true]);
    expect(checkExpectations(s, [obs(s, '03:10:05', { roomId: 'r2' })], s.to).map((r) => r.ok)).toEqual([true, false, true]);
    expect(checkExpectations(s, [obs(s, '03:10:05'), obs(s, '03:10:06')], s.to).map((r) => r.ok)).toEqual([true, true, false]);
    // a repeat report of the active alarm is the same alarm: still once
    expect(checkExpectations(s, [obs(s, '03:10:05'), obs(s, '03:10:06', { repeat: true })], s.to).map((r) => r.ok)).toEqual([true, true, true]);
  });

  it('passes an absence only when the run saw a later event', () => {
    const s = scenario(['none fire.* until 03:10']);
    expect(checkExpectations(s, [obs(s, '03:09:59')], s.to)[0]!.ok).toBe(false);
    expect(checkExpectations(s, [], s.at('03:09:59'))[0]).toMatchObject({ ok: false, detail: expect.stringContaining('not proved') });
    expect(checkExpectations(s, [], s.at('03:10:30'))[0]!.ok).toBe(true);
  });
});
