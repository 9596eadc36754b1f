import { type ScenarioExpectation, type ScenarioObservation, describeExpectation, durationMs } from '../../contract/index.ts';
import { type LoadedScenario, clockOf } from './load-scenario.ts';

export interface ExpectationResult {
  ok: boolean;
  expectation: string;
  detail: string;
}

/**
 * Checks a run's observations against the scenario's expectations. An absence ("none until T")
 * passes only when the run demonstrably got past T — `reachedAt` is the time of a later event the
 * run saw (test-honesty rule: an absence is proved by a later event, never by waiting).
 */
export function checkExpectations(s: LoadedScenario, seen: readonly ScenarioObservation[], reachedAt: number): ExpectationResult[] {
  const firstStep = s.at(s.file.steps[0]!.at);
  return s.file.expect.map((e) => {
    const expectation = describeExpectation(e);
    const matching = seen.filter((o) => matches(e, o));
    if (e.none) {
      const until = s.at(e.until!);
      const early = matching.filter((o) => o.at < until);
      if (early.length > 0) return { ok: false, expectation, detail: `seen at ${clockOf(s, early[0]!.at)}: ${describe(early[0]!)}` };
      if (reachedAt <= until) return { ok: false, expectation, detail: `not proved: the run saw nothing after ${e.until} (last at ${clockOf(s, reachedAt)})` };
      return { ok: true, expectation, detail: `none up to ${e.until} (run seen up to ${clockOf(s, reachedAt)})` };
    }
    const anchor = e.after ? s.at(e.after) : firstStep;
    const deadline = e.within ? anchor + durationMs(e.within) : e.by ? s.at(e.by) : Infinity;
    const inWindow = matching.filter((o) => o.at >= anchor && o.at <= deadline);
    if (e.times !== undefined) {
      const alarms = inWindow.filter((o) => !o.repeat);
      const repeats = inWindow.length - alarms.length;
      return {
        ok: alarms.length === e.times, expectation,
        detail: `seen ${alarms.length} time(s)${alarms.length ? ` at ${alarms.map((o) => clockOf(s, o.at)).join(', ')}` : ''}${repeats ? ` (+${repeats} repeat report(s) of an active alarm)` : ''}`,
      };
    }
    const hit = inWindow[0];
    if (hit) return { ok: true, expectation, detail: `seen at ${clockOf(s, hit.at)} (+${((hit.at - anchor) / 1000).toFixed(1)} s): ${describe(hit)}` };
    const late = matching.find((o) => o.at > deadline);
    return { ok: false, expectation, detail: late ? `only late, at ${clockOf(s, late.at)}` : `never seen${matching.length === 0 ? '' : ` in the window (seen at ${matching.map((o) => clockOf(s, o.at)).join(', ')})`}` };
  });
}

/**
 * The windows in which the story expects something to happen ("X within 10 s after T", "X by T"),
 * as scenario instants: what a real run holds the story for. Absences and counts have none.
 */
export function expectationWindows(s: LoadedScenario): Array<{ expectation: ScenarioExpectation; from: number; to: number }> {
  const firstStep = s.at(s.file.steps[0]!.at);
  return s.file.expect.flatMap((e) => {
    if (e.none || e.times !== undefined || (!e.within && !e.by)) return [];
    const from = e.after ? s.at(e.after) : firstStep;
    return [{ expectation: e, from, to: e.within ? from + durationMs(e.within) : s.at(e.by!) }];
  });
}

export function matchesExpectation(e: ScenarioExpectation, o: ScenarioObservation): boolean {
  return matches(e, o);
}

function matches(e: ScenarioExpectation, o: ScenarioObservation): boolean {
  const kindOk = e.kind === '*' || e.kind === o.kind || (e.kind.endsWith('.*') && o.kind.startsWith(e.kind.slice(0, -1)));
  return kindOk && o.action === e.action
    && (!e.site || e.site === o.siteId)
    && (!e.room || e.room === o.roomId)
    && (!e.device || e.device === o.deviceId)
    && (!e.resident || e.resident === o.residentId);
}

export function describe(o: ScenarioObservation): string {
  const where = [o.roomId && `room ${o.roomId}`, o.deviceId && `device ${o.deviceId}`, o.residentId && `resident ${o.residentId}`].filter(Boolean).join(', ');
  return `${o.kind} ${o.repeat ? 'repeat' : o.action} ${o.siteId}${where ? ` (${where})` : ''} [${o.subject}]${o.count && o.count > 1 ? ` ×${o.count}` : ''}`;
}
