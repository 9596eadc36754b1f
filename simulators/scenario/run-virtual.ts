import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Event, ReplayLine, type ReplayRequest, type ScenarioObservation } from '../../contract/index.ts';
import { TS_LOADER } from '../stack/node-command.ts';
import { compileScenario } from './compile-scenario.ts';
import type { LoadedScenario } from './load-scenario.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Tokens the virtual gateway holds; the simulated platforms sign with the same. */
export const VIRTUAL_PLATFORM_SECRETS = { ctwing: 'scenario-ctwing-token', onenet: 'scenario-onenet-token' };

export interface RunResult {
  observations: ScenarioObservation[];
  /** Time of the last thing the run saw happen (a later event proves an absence before it). */
  reachedAt: number;
  rejected: Array<{ at: number; step: number; transport: string; reason: string; detail: string }>;
  /** Virtual runs: readings the rules took, events never delivered, timers left after stopping. */
  summary: Record<string, number>;
}

/**
 * Virtual time: the scenario's wire messages go to the gateway's replay process
 * (gateway/replay/main.ts), which runs them through the gateway's ingest, rules and outbox on a
 * virtual clock and prints what the (virtual) server received. A whole day takes seconds.
 */
export async function runVirtual(s: LoadedScenario, onLine: (line: ReplayLine) => void = () => undefined): Promise<RunResult> {
  const inputs = compileScenario(s, { platformSecrets: VIRTUAL_PLATFORM_SECRETS });
  const request: ReplayRequest = {
    sites: s.sites, from: s.from, to: s.to, inputs,
    env: { CAREWATCH_PUSH_CTWING_TOKEN: VIRTUAL_PLATFORM_SECRETS.ctwing, CAREWATCH_PUSH_ONENET_TOKEN: VIRTUAL_PLATFORM_SECRETS.onenet },
  };
  const child = spawn(process.execPath, ['--import', TS_LOADER, resolve(ROOT, 'gateway/replay/main.ts')], { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  child.stdin.end(JSON.stringify(request));
  const result: RunResult = { observations: [], reachedAt: s.from, rejected: [], summary: {} };
  // Which alarms are active at the (virtual) server, so a repeat is told from a new alarm as the server tells it.
  const active = new Set<string>();
  for await (const text of createInterface({ input: child.stdout })) {
    if (!text.trim()) continue;
    const line = ReplayLine.parse(JSON.parse(text));
    onLine(line);
    if (line.type === 'delivered') {
      const o = observationOf(Event.parse(line.event), line.at);
      const key = `${o.siteId}|${o.subject}|${o.kind}`;
      if (o.action === 'raise' && active.has(key)) o.repeat = true;
      if (o.action === 'raise') active.add(key);
      if (o.action === 'clear') active.delete(key);
      result.observations.push(o);
    }
    else if (line.type === 'rejected') result.rejected.push(line);
    else result.summary = { readings: line.readings, undelivered: line.undelivered, pendingTimers: line.pendingTimers };
    result.reachedAt = Math.max(result.reachedAt, line.at);
  }
  const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
  if (code !== 0) throw new Error(`gateway replay exited with ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`);
  return result;
}

export function observationOf(e: Event, at: number): ScenarioObservation {
  return {
    at, kind: e.kind, action: e.action, siteId: e.siteId, subject: e.subject, id: e.id, count: e.count,
    ...(e.roomId ? { roomId: e.roomId } : {}), ...(e.deviceId ? { deviceId: e.deviceId } : {}), ...(e.residentId ? { residentId: e.residentId } : {}),
  };
}
