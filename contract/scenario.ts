import { z } from 'zod';
import { EventAction, EventKind } from './event.ts';
import { DeviceFields, FIELD_NAMES, type FieldName } from './fields.ts';
import { DeviceId, Id, ResidentId, RoomId, SiteId } from './ids.ts';

/**
 * Scenario files (issue 24): a story of one or more sites told as data — a timeline of steps in
 * the sites' local time and the expectations the story must meet. One file runs three ways
 * (simulators/scenario/): in real time over the real transports, accelerated, or in virtual
 * time through the gateway's core. Steps and expectations may be written as one line each
 * (`03:10 bed-r12 in_bed=false`, `fire.confirmed in room 203 within 10 s after 03:10`) or as
 * objects; both parse to the same shapes.
 */

/** `HH:MM` or `HH:MM:SS` of the scenario's day, in the sites' zone; `+1d HH:MM` is the next day. */
export const ScenarioTime = z.string().regex(/^(\+\d+d )?([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'must be HH:MM or HH:MM:SS (optionally "+1d HH:MM")');

/** `10 s`, `30 min`, `2 h`. */
export const Duration = z.string().regex(/^\d+(\.\d+)? ?(ms|s|min|h)$/, 'must be a duration such as "10 s", "30 min" or "2 h"');

export function durationMs(d: string): number {
  const m = /^(\d+(?:\.\d+)?) ?(ms|s|min|h)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'min' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** Milliseconds from the scenario day's local midnight. */
export function clockMs(t: string): number {
  const m = /^(?:\+(\d+)d )?(\d\d):(\d\d)(?::(\d\d))?$/.exec(t);
  if (!m) throw new Error(`not a clock time: ${t}`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60_000 + Number(m[4] ?? 0) * 1000;
}

const at = { at: ScenarioTime };

/** What one step does. The device's transport (from its site file) decides how it is sent. */
export const ScenarioStep = z.union([
  /** A device reports a state; `retries` resends the same message (same id) as a platform or a QoS 1 sender would. */
  z.object({ ...at, device: DeviceId, site: SiteId.optional(), state: DeviceFields, retries: z.number().int().min(1).max(10).optional() }).strict(),
  z.object({ ...at, device: DeviceId, site: SiteId.optional(), online: z.boolean() }).strict(),
  /** The device stops its routine reports (a dead battery, a broken device). */
  z.object({ ...at, device: DeviceId, site: SiteId.optional(), silent: z.literal(true) }).strict(),
  /** Bytes or text exactly as given, over the device's transport (a watch frame, an RFLink line). */
  z.object({ ...at, device: DeviceId, site: SiteId.optional(), frame: z.string().min(1).max(4096) }).strict(),
  /** A burst of payloads no codec accepts, over the device's transport. */
  z.object({ ...at, device: DeviceId, site: SiteId.optional(), malformed: z.number().int().min(1).max(1000) }).strict(),
  /** The gateway cannot reach the server for a while (events wait in its outbox). */
  z.object({ ...at, server: z.literal('unreachable'), for: Duration }).strict(),
  /** A whole link (a Zigbee2MQTT bridge, a serial receiver) goes down, for a while or until a later `up`. */
  z.object({ ...at, link: z.string().min(1).max(64), site: SiteId.optional(), up: z.boolean(), for: Duration.optional() }).strict(),
]);
export type ScenarioStep = z.infer<typeof ScenarioStep>;

/** What must (or must not) be seen at the server. */
export const ScenarioExpectation = z.object({
  kind: z.union([EventKind, z.literal('*'), z.string().regex(/^[a-z]+\.\*$/)]),
  action: EventAction.default('raise'),
  site: SiteId.optional(),
  room: RoomId.optional(),
  device: DeviceId.optional(),
  resident: ResidentId.optional(),
  /** Seen no later than this long after `after` (default: after the scenario's first step). */
  within: Duration.optional(),
  after: ScenarioTime.optional(),
  /** Seen no later than this clock time. */
  by: ScenarioTime.optional(),
  /** Exactly this many alarms (raises of an alarm not already active; `once` = 1) in the window. */
  times: z.number().int().min(0).optional(),
  /** Not seen at all until `until` (an absence: proved only by a later event the run does see). */
  none: z.literal(true).optional(),
  until: ScenarioTime.optional(),
}).strict().superRefine((e, ctx) => {
  if (e.none && !e.until) ctx.addIssue({ code: 'custom', path: ['until'], message: '"none" needs "until" (an absence is checked up to a time)' });
  if (e.none && (e.within || e.by || e.times !== undefined)) ctx.addIssue({ code: 'custom', path: ['none'], message: '"none" takes no within/by/times' });
});
export type ScenarioExpectation = z.infer<typeof ScenarioExpectation>;

/** A site of the scenario: a site file's path (relative to the scenario file) or the site inline. */
export const ScenarioSite = z.union([z.object({ file: z.string().min(1) }).strict(), z.record(z.string(), z.unknown())]);

export const ScenarioFile = z.object({
  name: z.string().min(1).max(200),
  about: z.string().max(4000).optional(),
  sites: z.array(ScenarioSite).min(1).max(100),
  /** The local date of the scenario's day (the sites' zone). */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default('2024-03-05'),
  /** Where the story starts; virtual and accelerated runs start here (default: 00:00). */
  from: ScenarioTime.default('00:00'),
  /** Where it ends (default: a minute after the last step or deadline). */
  to: ScenarioTime.optional(),
  /**
   * Every device (but those gone silent) sends a routine report this often — a battery level, a
   * watch's keep-alive — so supervision sees a live site. Off when absent.
   */
  routine: z.object({ every: Duration, battery: z.number().int().min(0).max(100).default(90) }).strict().optional(),
  steps: z.array(z.union([z.string().transform((line, ctx) => lineOr(parseStepLine(line), ctx)), ScenarioStep])).min(1),
  expect: z.array(z.union([z.string().transform((line, ctx) => lineOr(parseExpectLine(line), ctx)), ScenarioExpectation])).default([]),
}).strict().superRefine((file, ctx) => {
  let last = -1;
  file.steps.forEach((s, i) => {
    const t = clockMs(s.at);
    if (t < last) ctx.addIssue({ code: 'custom', path: ['steps', i], message: `step at ${s.at} comes before the step above it` });
    last = t;
  });
});
export type ScenarioFile = z.infer<typeof ScenarioFile>;
export type ScenarioFileInput = z.input<typeof ScenarioFile>;

/**
 * What a run saw arrive at the server, in scenario time: the same shape from every mode (virtual:
 * events the virtual forwarder delivered; real: the server's alarm stream).
 */
export const ScenarioObservation = z.object({
  /** Epoch ms on the scenario's clock. */
  at: z.number(),
  kind: EventKind,
  action: EventAction,
  siteId: SiteId,
  subject: z.string(),
  roomId: RoomId.optional(),
  deviceId: DeviceId.optional(),
  residentId: ResidentId.optional(),
  count: z.number().int().min(1).optional(),
  /** The event's id (virtual runs), to show exactly-once delivery. */
  id: z.string().optional(),
  /** A raise of an alarm already active (the server's `repeated`): the same alarm again, not a new one. */
  repeat: z.boolean().optional(),
});
export type ScenarioObservation = z.infer<typeof ScenarioObservation>;

/** A step with its site resolved (the simulators fill `site` in from the device id). */
export type ParsedStep = ScenarioStep;

type LineResult<T> = { ok: true; value: T } | { ok: false; message: string };

function lineOr<T>(r: LineResult<T>, ctx: z.RefinementCtx): T {
  if (r.ok) return r.value;
  ctx.addIssue({ code: 'custom', message: r.message });
  return z.NEVER;
}

/**
 * One step as a line:
 *   `03:10 bed-r12 in_bed=false`            a state (several FIELD=VALUE allowed; add `retried 2` to resend it)
 *   `03:10 d7 offline` / `… online`         availability
 *   `04:00 d7 goes silent`                  stops its routine reports
 *   `04:00 d7 sends 20 malformed`           a burst of bad payloads
 *   `04:00 w1 frame [3G*…*LK]`              a frame as given
 *   `02:00 server unreachable for 10 min`   an outage of the server
 *   `02:00 link zigbee2mqtt:hub down for 20 min` / `… up`
 */
export function parseStepLine(line: string): LineResult<ScenarioStep> {
  const m = /^\s*((?:\+\d+d )?\d\d:\d\d(?::\d\d)?)\s+(.+?)\s*$/.exec(line);
  if (!m) return { ok: false, message: `step "${line}": must start with a time (HH:MM)` };
  const time = m[1]!;
  const rest = m[2]!;
  let r: RegExpExecArray | null;
  if ((r = /^server unreachable (?:for )?(.+)$/.exec(rest))) return checked(ScenarioStep, { at: time, server: 'unreachable', for: r[1] }, line);
  if ((r = /^link (\S+) (down|up)(?: for (.+))?$/.exec(rest))) {
    return checked(ScenarioStep, { at: time, link: r[1], up: r[2] === 'up', ...(r[3] ? { for: r[3] } : {}) }, line);
  }
  const [device, ...words] = rest.split(/\s+/);
  const said = words.join(' ');
  if (said === 'goes silent') return checked(ScenarioStep, { at: time, device, silent: true }, line);
  if (said === 'online' || said === 'offline') return checked(ScenarioStep, { at: time, device, online: said === 'online' }, line);
  if ((r = /^sends (\d+) malformed$/.exec(said))) return checked(ScenarioStep, { at: time, device, malformed: Number(r[1]) }, line);
  if ((r = /^frame (.+)$/.exec(said))) return checked(ScenarioStep, { at: time, device, frame: r[1] }, line);
  const retried = /\s+retried (\d+)$/.exec(said);
  const sets = (retried ? said.slice(0, retried.index) : said).split(/\s+/).filter(Boolean);
  if (sets.length === 0) return { ok: false, message: `step "${line}": say what ${device} does (FIELD=VALUE, online, offline, goes silent, sends N malformed, frame …)` };
  const state: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    const key = s.slice(0, eq);
    if (eq <= 0 || !FIELD_NAMES.includes(key as FieldName)) return { ok: false, message: `step "${line}": "${s}" is not FIELD=VALUE with a field of the vocabulary` };
    const raw = s.slice(eq + 1);
    try { state[key] = JSON.parse(raw); } catch { state[key] = raw; }
  }
  return checked(ScenarioStep, { at: time, device, state, ...(retried ? { retries: Number(retried[1]) } : {}) }, line);
}

/**
 * One expectation as a line:
 *   `fire.confirmed in room 203 within 10 s after 03:10:20`
 *   `inactivity.bed_exit of resident r12 by 03:45`
 *   `fire.smoke clear of device smoke-1`
 *   `wearable.fall once` / `… 2 times`
 *   `none until 06:00` / `none fire.* until 06:00`
 */
export function parseExpectLine(line: string): LineResult<ScenarioExpectation> {
  let rest = ` ${line.trim()} `;
  const out: Record<string, unknown> = {};
  const take = (re: RegExp, put: (m: RegExpExecArray) => void) => {
    const m = re.exec(rest);
    if (m) { put(m); rest = rest.slice(0, m.index) + ' ' + rest.slice(m.index + m[0].length); }
  };
  take(/ none /, () => { out.none = true; });
  take(/ until ((?:\+\d+d )?\d\d:\d\d(?::\d\d)?) /, (m) => { out.until = m[1]; });
  take(/ within (\d+(?:\.\d+)? ?(?:ms|s|min|h)) /, (m) => { out.within = m[1]; });
  take(/ after ((?:\+\d+d )?\d\d:\d\d(?::\d\d)?) /, (m) => { out.after = m[1]; });
  take(/ by ((?:\+\d+d )?\d\d:\d\d(?::\d\d)?) /, (m) => { out.by = m[1]; });
  take(/ in room (\S+) /, (m) => { out.room = m[1]; });
  take(/ (?:of|from) device (\S+) /, (m) => { out.device = m[1]; });
  take(/ (?:of|for) resident (\S+) /, (m) => { out.resident = m[1]; });
  take(/ (?:at|in) site (\S+) /, (m) => { out.site = m[1]; });
  take(/ once /, () => { out.times = 1; });
  take(/ (\d+) times /, (m) => { out.times = Number(m[1]); });
  take(/ (raise|clear|record) /, (m) => { out.action = m[1]; });
  const words = rest.trim().split(/\s+/).filter(Boolean);
  if (words.length > 1) return { ok: false, message: `expectation "${line}": cannot read "${words.join(' ')}"` };
  out.kind = words[0] ?? '*';
  return checked(ScenarioExpectation, out, line);
}

function checked<S extends z.ZodType>(schema: S, value: unknown, line: string): LineResult<z.infer<S>> {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, message: `"${line}": ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
}

/** For reports: an expectation written back as one line. */
export function describeExpectation(e: ScenarioExpectation): string {
  return [
    e.none ? 'none' : undefined,
    e.kind,
    e.action !== 'raise' ? e.action : undefined,
    e.site ? `at site ${e.site}` : undefined,
    e.room ? `in room ${e.room}` : undefined,
    e.device ? `of device ${e.device}` : undefined,
    e.resident ? `for resident ${e.resident}` : undefined,
    e.within ? `within ${e.within}` : undefined,
    e.after ? `after ${e.after}` : undefined,
    e.by ? `by ${e.by}` : undefined,
    e.times !== undefined ? (e.times === 1 ? 'once' : `${e.times} times`) : undefined,
    e.until ? `until ${e.until}` : undefined,
  ].filter(Boolean).join(' ');
}

/**
 * What a scenario becomes once its devices have encoded it (simulators/scenario/compile.ts):
 * messages as they travel each link. A real run sends them over the sockets; a virtual run hands
 * them to the gateway's replay process (gateway/replay/), which feeds them to the same ingest
 * code the sockets feed, on a virtual clock.
 */
export const WireClient = z.discriminatedUnion('role', [
  z.object({ role: z.literal('device'), siteId: SiteId, deviceId: DeviceId }),
  z.object({ role: z.literal('bridge'), siteId: SiteId, bridge: Id }),
]);
export type WireClient = z.infer<typeof WireClient>;

export const WireMessage = z.discriminatedUnion('via', [
  z.object({ via: z.literal('mqtt'), client: WireClient, topic: z.string(), payload: z.string(), retain: z.boolean().optional() }),
  /** Bytes into a serial port of a site (the site file's `serial[].path`), base64. */
  z.object({ via: z.literal('serial'), siteId: SiteId, port: z.string(), bytes: z.string() }),
  /** Bytes on a watch's TCP connection (one connection per `connection` name), base64. */
  z.object({ via: z.literal('watch'), connection: z.string(), bytes: z.string() }),
  /** A platform's HTTP push: `path` is `/push/{platform}[?query]`. */
  z.object({ via: z.literal('push'), path: z.string(), headers: z.record(z.string(), z.string()), body: z.string() }),
  /** The server becomes unreachable (false) or reachable again (true). */
  z.object({ via: z.literal('server'), up: z.boolean() }),
]);
export type WireMessage = z.infer<typeof WireMessage>;

/** One message at its time (epoch ms), with the step it came from (for the printout). */
export const TimedWire = z.object({ t: z.number(), step: z.number().int().min(-1), message: WireMessage });
export type TimedWire = z.infer<typeof TimedWire>;

/** The replay process's input (JSON on stdin). */
export const ReplayRequest = z.object({
  /** Parsed site files (SiteFile input shape). */
  sites: z.array(z.unknown()).min(1),
  from: z.number(),
  to: z.number(),
  /** Environment the gateway reads platform tokens from (CAREWATCH_PUSH_CTWING_TOKEN …). */
  env: z.record(z.string(), z.string()).default({}),
  inputs: z.array(TimedWire),
});
export type ReplayRequest = z.infer<typeof ReplayRequest>;

/** The replay process's output: one JSON object a line on stdout. */
export const ReplayLine = z.discriminatedUnion('type', [
  /** An event the (virtual) server received: delivered from the outbox while the server was up. */
  z.object({ type: z.literal('delivered'), at: z.number(), event: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('rejected'), at: z.number(), step: z.number(), transport: z.string(), reason: z.string(), detail: z.string() }),
  z.object({ type: z.literal('done'), at: z.number(), readings: z.number(), undelivered: z.number(), pendingTimers: z.number() }),
]);
export type ReplayLine = z.infer<typeof ReplayLine>;
