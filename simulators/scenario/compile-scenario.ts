import { type Device, type ScenarioStep, type SiteFile, type TimedWire, type WireMessage, durationMs } from '../../contract/index.ts';
import { encodeZ2mBridgeState } from '../../devices/encode.ts';
import { getProfile } from '../../devices/registry.ts';
import { encodeAvailability, encodeFrame, encodeMalformed, encodeRoutine, encodeState } from '../devices/wire-encoders.ts';
import type { LoadedScenario } from './load-scenario.ts';

export interface CompileOptions {
  /** Tokens the gateway checks platform pushes with, by platform (`ctwing`, `onenet`). */
  platformSecrets?: Record<string, string>;
  /** Accelerated runs: every duration of the story (outages, retries, routine periods) times this (1/speed). */
  timeScale?: number;
}

/** A retried message goes again this long after the first (a platform's or a QoS 1 sender's retry). */
const RETRY_AFTER_MS = 5000;

/**
 * A scenario as the wire messages its devices send, in time order: the steps encoded by each
 * device's own link (simulators/devices/wire-encoders.ts) plus, with `routine:`, every device's
 * routine report until it goes silent. Step `-1` marks routine traffic.
 */
export function compileScenario(s: LoadedScenario, opts: CompileOptions = {}): TimedWire[] {
  const out: TimedWire[] = [];
  const scale = opts.timeScale ?? 1;
  const span = (d: string) => Math.round(durationMs(d) * scale);
  const seqs = new Map<string, number>();
  const silentFrom = new Map<string, number>();
  // A routine report repeats the battery level the story last gave the device, never contradicts it.
  const batteries = new Map<string, Array<{ t: number; battery: number }>>();
  const wire = (site: SiteFile, device: Device, ts: number) => {
    const key = `${site.site.id}/${device.id}`;
    const seq = (seqs.get(key) ?? 0) + 1;
    seqs.set(key, seq);
    return { site, device, ts, seq, ...(opts.platformSecrets ? { platformSecrets: opts.platformSecrets } : {}) };
  };
  const push = (t: number, step: number, messages: WireMessage[]) => { for (const message of messages) out.push({ t, step, message }); };

  s.file.steps.forEach((step: ScenarioStep, i) => {
    const t = s.at(step.at);
    if (t < s.from) return; // a run started later in the story
    if ('server' in step) {
      push(t, i, [{ via: 'server', up: false }]);
      push(t + span(step.for), i, [{ via: 'server', up: true }]);
      return;
    }
    if ('link' in step) {
      const messages = (up: boolean) => linkMessages(s, step.link, up, step.site);
      push(t, i, messages(step.up));
      if (step.for) push(t + span(step.for), i, messages(!step.up));
      return;
    }
    const { site, device } = s.device(step.device, step.site);
    if ('silent' in step) { silentFrom.set(`${site.site.id}/${device.id}`, t); return; }
    const w = wire(site, device, t);
    if ('state' in step) {
      if (step.state.battery !== undefined) {
        const key = `${site.site.id}/${device.id}`;
        batteries.set(key, [...(batteries.get(key) ?? []), { t, battery: step.state.battery }]);
      }
      const messages = encodeState(w, step.state);
      push(t, i, messages);
      for (let r = 1; r <= (step.retries ?? 0); r++) push(t + Math.round(r * RETRY_AFTER_MS * scale), i, messages);
    } else if ('online' in step) push(t, i, encodeAvailability(w, step.online));
    else if ('frame' in step) push(t, i, encodeFrame(w, step.frame));
    else if ('malformed' in step) push(t, i, encodeMalformed(w, step.malformed));
  });

  const routine = s.file.routine;
  if (routine) {
    const every = span(routine.every);
    let phase = 0;
    for (const site of s.sites) {
      for (const device of site.devices) {
        const key = `${site.site.id}/${device.id}`;
        const stop = silentFrom.get(key) ?? Infinity;
        // No device is left silent longer than half its supervision period (its own or its profile's).
        const supervisedSec = device.reportIntervalSec ?? getProfile(device.profile)?.reportIntervalSec ?? Infinity;
        const period = Math.round(Math.min(every, (supervisedSec * 1000 * scale) / 2));
        phase = Math.round((phase + 17_000 * scale) % period);
        for (let t = s.from + Math.round(1000 * scale) + phase; t < Math.min(stop, s.to); t += period) {
          const told = batteries.get(key)?.filter((b) => b.t <= t).at(-1)?.battery;
          push(t, -1, encodeRoutine(wire(site, device, t), told ?? routine.battery));
        }
      }
    }
  }
  // Stable: at one instant the steps keep their written order, routine reports after them.
  return out.map((w, n) => ({ w, n })).sort((a, b) => a.w.t - b.w.t || (a.w.step < 0 ? 1 : 0) - (b.w.step < 0 ? 1 : 0) || a.n - b.n).map((x) => x.w);
}

/** A Zigbee2MQTT bridge going down or up, as the bridge says it (`bridge/state`, its last will). */
function linkMessages(s: LoadedScenario, link: string, up: boolean, siteId?: string): WireMessage[] {
  const name = link.replace(/^zigbee2mqtt:/, '');
  for (const site of s.sites) {
    if (siteId && site.site.id !== siteId) continue;
    const bridge = site.bridges.find((b) => b.name === name);
    if (bridge) return [{ via: 'mqtt', client: { role: 'bridge', siteId: site.site.id, bridge: bridge.name }, topic: `${bridge.baseTopic}/bridge/state`, payload: encodeZ2mBridgeState(up), retain: true }];
  }
  throw new Error(`${s.path}: no Zigbee2MQTT bridge "${name}" in the scenario's sites (links that can be taken down: the sites' bridges)`);
}
