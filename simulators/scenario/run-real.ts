import { openSync, writeSync, closeSync } from 'node:fs';
import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { AlarmChange, type DemoCredentials, type ScenarioObservation, type TimedWire, type WireClient } from '../../contract/index.ts';
import { connectMqtt, type BrokerAddress } from '../devices/mqtt-device.ts';
import { compileScenario } from './compile-scenario.ts';
import { expectationWindows, matchesExpectation } from './check-expectations.ts';
import type { LoadedScenario } from './load-scenario.ts';
import type { RunResult } from './run-virtual.ts';

export interface RealEndpoints {
  serverUrl: string;
  /** A user's API token for the alarm stream (`GET /api/v1/stream`). */
  token: string;
  mqtt: BrokerAddress;
  watchHost: string;
  watchPort: number;
  /** The gateway's platform-push listener (`gateway --push-port`, its own port since issue 16). */
  pushUrl: string;
  creds: DemoCredentials;
  /** Tokens the gateway checks platform pushes with (its --push-config; the demo's are in its credentials). */
  platformSecrets?: Record<string, string>;
  /** The simulator's end of each serial port: the site file's `serial[].path` → the other end of its pty pair. */
  serialEnds?: Record<string, string>;
  /** Takes the server away and brings it back (a test's own stack); without it, outage steps are skipped and said so. */
  serverControl?: (up: boolean) => Promise<void>;
}

export interface RealRunOptions {
  /** ×N: the story's gaps and durations shrink N-fold; the product's own timers do not. */
  speed?: number;
  /** Called with each observation as it arrives, and with each note (a skipped step). */
  onObservation?: (o: ScenarioObservation) => void;
  onNote?: (note: string) => void;
  /** After the last message, wait this long (wall ms) for what the story still expects. */
  settleMs?: number;
}

/**
 * Real time (or ×N) over the real transports against running processes: each wire message goes
 * out at its time over its own link — MQTT as the device or its Zigbee2MQTT bridge with their
 * credentials, watch frames over TCP, platform pushes over HTTP, serial bytes into a pty — while
 * the server's alarm stream is read as a console reads it. Observations are put back on the
 * scenario's clock (wall time × speed from the start).
 */
export async function runReal(s: LoadedScenario, ep: RealEndpoints, opts: RealRunOptions = {}): Promise<RunResult> {
  const speed = opts.speed ?? 1;
  const wallStart = Date.now() + 500;
  // The story rebased onto the wall clock: a message's time is when it is sent and the device time it carries.
  const toWall = (t: number) => Math.round(wallStart + (t - s.from) / speed);
  // What arrives is put on the story's clock after the last story step sent: the story's gaps
  // shrink ×N, but the product's latency and its own timers after a step count at their real length.
  let lastSent = { scenario: s.from, wall: wallStart };
  const toScenario = (wall: number) => lastSent.scenario + Math.max(0, wall - lastSent.wall);
  const rebased: LoadedScenario = { ...s, at: (time) => toWall(s.at(time)), from: toWall(s.from), to: toWall(s.to) };
  const inputs = compileScenario(rebased, { timeScale: 1 / speed, ...(ep.platformSecrets ? { platformSecrets: ep.platformSecrets } : {}) });
  // A message's story time: its step's own time for the first of a step (the wall schedule is
  // rounded to ms, ×N in story time), the rebased time for its later messages (retries).
  const stepStart = new Map<number, number>();
  for (const input of inputs) if (input.step >= 0 && !stepStart.has(input.step)) stepStart.set(input.step, input.t);
  const storyTime = (input: TimedWire) => (stepStart.get(input.step) === input.t
    ? s.at(s.file.steps[input.step]!.at)
    : s.from + (input.t - wallStart) * speed);
  const result: RunResult = { observations: [], reachedAt: s.from, rejected: [], summary: { sent: 0, skipped: 0 } };
  const stream = await openAlarmStream(`${ep.serverUrl}/api/v1/stream`, ep.token, (c) => {
    const o = observationOfChange(c, toScenario(Date.now()));
    if (!o || !s.sites.some((site) => site.site.id === o.siteId)) return;
    result.observations.push(o);
    result.reachedAt = Math.max(result.reachedAt, o.at);
    opts.onObservation?.(o);
  });
  // While a window the story expects something in is open and nothing has come yet, the story
  // runs at ×1 (held up to its next message): a product timer (a sprinkler's retard) gets its real
  // length before the step that would end it, however fast the quiet gaps go. `late` is how far
  // the holds have put the schedule back.
  const windows = expectationWindows(s);
  let late = 0;
  const holdWhileExpecting = async (nextStep: number): Promise<void> => {
    const open = () => windows.some((w) => w.from <= lastSent.scenario && toScenario(Date.now()) < Math.min(w.to, nextStep)
      && !result.observations.some((o) => o.at >= w.from && o.at <= w.to && matchesExpectation(w.expectation, o)));
    while (open()) await new Promise((r) => setTimeout(r, 20));
  };
  const links = new Links(ep);
  try {
    for (const input of inputs) {
      // Before each message of the story (a step, a retry of it), not before routine reports.
      if (input.step >= 0) {
        await holdWhileExpecting(storyTime(input));
        late = Math.max(late, Date.now() - input.t);
      }
      const wait = input.t + late - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Story steps anchor the clock; routine reports (step -1) between them do not move it.
      if (input.step >= 0) lastSent = { scenario: storyTime(input), wall: Date.now() };
      const { sent, note } = await links.send(input);
      if (sent) result.summary.sent! += 1;
      else result.summary.skipped! += 1;
      if (note) opts.onNote?.(note);
    }
    await holdWhileExpecting(Infinity);
    const endWall = Math.max(toWall(s.to) + late, Date.now()) + (opts.settleMs ?? 0);
    await new Promise((r) => setTimeout(r, Math.max(0, endWall - Date.now())));
  } finally {
    stream.close();
    await links.close();
  }
  return result;
}

/** An alarm change as the scenario sees it: raised/repeated → raise, cleared → clear (acks and resolves are people's, not the story's). */
export function observationOfChange(c: AlarmChange, at: number): ScenarioObservation | undefined {
  const action = c.change === 'raised' || c.change === 'repeated' ? 'raise' : c.change === 'cleared' ? 'clear' : undefined;
  if (!action) return undefined;
  const a = c.alarm;
  return {
    at, kind: a.kind, action, siteId: a.siteId, subject: a.subject, count: a.count, ...(c.change === 'repeated' ? { repeat: true } : {}),
    ...(a.roomId ? { roomId: a.roomId } : {}), ...(a.deviceId ? { deviceId: a.deviceId } : {}), ...(a.residentId ? { residentId: a.residentId } : {}),
  };
}

/** The open links of a run: one MQTT client per device or bridge, one TCP connection per watch, one fd per pty. */
class Links {
  private readonly mqtt = new Map<string, Promise<MqttClient>>();
  private readonly watches = new Map<string, Promise<net.Socket>>();
  private readonly ptys = new Map<string, number>();

  constructor(private readonly ep: RealEndpoints) {}

  /** Whether it went out, and anything worth a line in the printout (why not, a refusal). */
  async send(input: TimedWire): Promise<{ sent: boolean; note?: string }> {
    const m = input.message;
    switch (m.via) {
      case 'mqtt': {
        const client = await this.client(m.client);
        await client.publishAsync(m.topic, m.payload, { qos: 1, retain: m.retain ?? false });
        return { sent: true };
      }
      case 'watch': {
        const socket = await this.watch(m.connection);
        socket.write(Buffer.from(m.bytes, 'base64'));
        return { sent: true };
      }
      case 'push': {
        const res = await fetch(`${this.ep.pushUrl}${m.path}`, { method: 'POST', headers: m.headers, body: m.body });
        const answer = await res.text();
        return res.ok ? { sent: true } : { sent: true, note: `step ${input.step}: push answered ${res.status}: ${answer.slice(0, 200)}` };
      }
      case 'serial': {
        const end = this.ep.serialEnds?.[m.port];
        if (!end) return { sent: false, note: `step ${input.step}: serial port ${m.port}: no simulator end given (--pty ${m.port}=PATH); not sent` };
        let fd = this.ptys.get(end);
        if (fd === undefined) { fd = openSync(end, 'w'); this.ptys.set(end, fd); }
        writeSync(fd, Buffer.from(m.bytes, 'base64'));
        return { sent: true };
      }
      case 'server':
        if (!this.ep.serverControl) return { sent: false, note: `step ${input.step}: server ${m.up ? 'back' : 'unreachable'}: this run does not control the server; skipped` };
        await this.ep.serverControl(m.up);
        return { sent: true };
    }
  }

  private client(who: WireClient): Promise<MqttClient> {
    const key = who.role === 'device' ? `d:${who.siteId}/${who.deviceId}` : `b:${who.siteId}/${who.bridge}`;
    let c = this.mqtt.get(key);
    if (!c) {
      const login = who.role === 'device'
        ? this.ep.creds.devices.find((d) => d.siteId === who.siteId && d.deviceId === who.deviceId)
        : this.ep.creds.bridges.find((b) => b.siteId === who.siteId && b.name === who.bridge);
      if (!login?.mqttUsername || !login.mqttPassword) throw new Error(`no MQTT credentials for ${key} in the credentials file`);
      c = connectMqtt({ ...this.ep.mqtt, username: login.mqttUsername, password: login.mqttPassword });
      this.mqtt.set(key, c);
    }
    return c;
  }

  private watch(id: string): Promise<net.Socket> {
    let w = this.watches.get(id);
    if (!w) {
      w = new Promise((resolve, reject) => {
        const socket = net.connect({ host: this.ep.watchHost, port: this.ep.watchPort, noDelay: true });
        socket.on('data', () => undefined); // replies (LK, AL …) are read and dropped
        socket.once('connect', () => { socket.on('error', () => undefined); resolve(socket); });
        socket.once('error', reject);
      });
      this.watches.set(id, w);
    }
    return w;
  }

  async close(): Promise<void> {
    await Promise.all([...this.mqtt.values()].map(async (c) => (await c.catch(() => undefined))?.endAsync()));
    for (const w of this.watches.values()) (await w.catch(() => undefined))?.destroy();
    for (const fd of this.ptys.values()) closeSync(fd);
  }
}

/** The server's alarm stream, read as a console reads it (the simulators' one SSE reader). */
async function openAlarmStream(url: string, token: string, onChange: (c: AlarmChange) => void): Promise<{ close(): void }> {
  const { openSse } = await import('../bench/sse-reader.ts');
  const sse = await openSse(url, token);
  sse.onChange(onChange);
  return sse;
}
