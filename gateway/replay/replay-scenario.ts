import Database from 'better-sqlite3';
import pino from 'pino';
import { LANE_PRIORITY, type ReplayLine, type ReplayRequest, SiteFile, type TimedWire, type WireMessage, formatIssues } from '../../contract/index.ts';
import type { Rejected } from '../../devices/decoded.ts';
import { getProfile } from '../../devices/registry.ts';
import { VirtualClock } from '../core/kit/virtual-clock.ts';
import { Metrics } from '../metrics.ts';
import { MqttIngest, type PublishOutcome } from '../mqtt/mqtt-ingest.ts';
import { SqliteOutbox } from '../outbox/sqlite-outbox.ts';
import { DEFAULT_PUSH_CONFIG, buildPushPlatforms } from '../push/push-config.ts';
import { PushDedupe } from '../push/push-dedupe.ts';
import { ingestPush } from '../push/push-ingest.ts';
import { Rejections } from '../rejections.ts';
import { Gb26875Receiver } from '../serial/gb26875-receiver.ts';
import { RflinkReceiver } from '../serial/rflink-receiver.ts';
import { type FrameReceiver, SerialIngest } from '../serial/serial-ingest.ts';
import { buildSiteModel } from '../site/build-model.ts';
import { SiteRegistry } from '../site/site-registry.ts';
import { SiteRuntime } from '../site/site-runtime.ts';
import { IwProtocol } from '../watch/iw-protocol.ts';
import { Watch3gProtocol } from '../watch/watch3g-protocol.ts';
import type { WatchProtocol } from '../watch/watch-protocol.ts';

/**
 * A scenario in virtual time through the gateway's own parts (issue 24, "virtual time through
 * the gateway's core"): the wire messages a scenario's devices sent go into the same ingest code
 * the sockets feed — MQTT ingest with the client's identity, the serial receivers, the watch
 * protocols, the platform push ingest — then the site runtimes (rules on the SQLite rule-state
 * store, in one transaction with the outbox), then the real outbox. Only the sockets and the HTTP
 * forwarder are left out: a virtual forwarder drains the outbox, lane by lane as the real one
 * does, whenever the virtual server is reachable. Every timer runs on one VirtualClock, so a
 * whole day takes seconds. Pure of I/O but for an in-memory database.
 */
export function replayScenario(req: ReplayRequest, emit: (line: ReplayLine) => void): void {
  const clock = new VirtualClock(req.from);
  const now = () => clock.now();
  const db = new Database(':memory:');
  const log = pino({ level: process.env.CAREWATCH_LOG_LEVEL ?? 'silent' });
  const metrics = new Metrics();
  let step = -1;
  const rejections = new Rejections(metrics, log);
  const record = rejections.record.bind(rejections);
  rejections.record = (transport, rejected, context) => {
    emit({ type: 'rejected', at: now(), step, transport, reason: rejected.reason, detail: rejected.detail });
    record(transport, rejected, context);
  };
  const outbox = new SqliteOutbox({ db, clock: now });
  let readings = 0;
  const registry = new SiteRegistry((site) => new SiteRuntime(site, { db, outbox, scheduler: clock, log, counted: () => { readings += 1; } }));
  for (const input of req.sites) {
    const parsed = SiteFile.safeParse(input);
    if (!parsed.success) throw new Error(`site refused:\n  ${formatIssues(parsed.error).join('\n  ')}`);
    const built = buildSiteModel(parsed.data, getProfile);
    if (!built.ok) throw new Error(`site ${parsed.data.site.id} refused:\n  ${built.errors.join('\n  ')}`);
    const conflicts = registry.upsert(built.site);
    if (conflicts.length > 0) throw new Error(conflicts.join('\n'));
  }
  const mqtt = new MqttIngest(registry, now);
  const push = buildPushPlatforms(DEFAULT_PUSH_CONFIG, req.env);
  if (!push.ok) throw new Error(push.errors.join('\n'));
  const dedupe = new PushDedupe(db, { clock: now });
  const serial = new Map<string, FrameReceiver>();
  const watches = new Map<string, WatchProtocol>();

  let serverUp = true;
  let upSince = req.from;
  // Called after every input and every clock advance (the outbox's own wake-up is a microtask,
  // which a synchronous replay never yields to). An event reaches the server when it was
  // appended, or when the server came back if it was appended during the outage.
  const deliver = () => {
    if (!serverUp) return;
    // The forwarder's order: the life-safety lane first, then alarms, then telemetry.
    for (const lane of LANE_PRIORITY) {
      for (;;) {
        const batch = outbox.peek(lane, 100);
        if (batch.length === 0) break;
        for (const event of batch) emit({ type: 'delivered', at: Math.max(event.createdAt, upSince), event: event as unknown as Record<string, unknown> });
        outbox.ack(batch.map((e) => e.id));
      }
    }
  };

  const refuse = (transport: string, r: Rejected) => rejections.record(transport as 'mqtt', r, {});
  const handle = (m: WireMessage): void => {
    switch (m.via) {
      case 'server':
        if (m.up && !serverUp) upSince = now();
        serverUp = m.up;
        return;
      case 'mqtt': {
        const who = m.client.role === 'device'
          ? { role: 'device' as const, username: m.client.deviceId, siteId: m.client.siteId, deviceId: m.client.deviceId }
          : { role: 'bridge' as const, username: m.client.bridge, siteId: m.client.siteId, bridge: m.client.bridge };
        const out: PublishOutcome = mqtt.handle(who, { cmd: 'publish', topic: m.topic, payload: Buffer.from(m.payload), qos: 1, dup: false, retain: m.retain ?? false } as never);
        if (out.kind === 'rejected') refuse(who.role === 'bridge' ? 'zigbee2mqtt' : 'mqtt', out.rejected);
        return;
      }
      case 'serial': {
        const key = `${m.siteId}|${m.port}`;
        let receiver = serial.get(key);
        if (!receiver) {
          const config = registry.get(m.siteId)?.site.file.serial.find((s) => s.path === m.port);
          if (!config) throw new Error(`site ${m.siteId} has no serial port ${m.port}`);
          const ingest = new SerialIngest({ siteId: m.siteId, transport: config.framing, link: `serial:${m.port}`, registry, rejections, metrics, log, clock: now });
          receiver = config.framing === 'rflink' ? new RflinkReceiver(ingest) : new Gb26875Receiver(ingest);
          serial.set(key, receiver);
        }
        receiver.receive(Buffer.from(m.bytes, 'base64'));
        return;
      }
      case 'watch': {
        const bytes = Buffer.from(m.bytes, 'base64');
        let protocol = watches.get(m.connection);
        if (!protocol) {
          protocol = bytes[0] === 0x5b ? new Watch3gProtocol(registry, 64 * 1024) : new IwProtocol(registry, 64 * 1024);
          watches.set(m.connection, protocol);
        }
        const { frames, rejects } = protocol.split(bytes);
        for (const r of rejects) refuse('watch3g', r);
        for (const frame of frames) {
          const out = protocol.handle(frame, now());
          if (out.kind === 'rejected') refuse('watch3g', out.rejected);
          else out.located.runtime.push(out.reading);
        }
        return;
      }
      case 'push': {
        const url = new URL(m.path, 'http://replay');
        const name = url.pathname.replace(/^\/push\//, '');
        const platform = push.platforms[name];
        if (!platform) { refuse('platform', { ok: false, reason: 'unsupported', detail: `no platform "${name}"` } as Rejected); return; }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.headers)) headers[k.toLowerCase()] = v;
        ingestPush(name, platform, { headers, rawBody: Buffer.from(m.body), query: Object.fromEntries(url.searchParams) }, { registry, rejections, dedupe, log, clock: now });
      }
    }
  };

  const inputs: TimedWire[] = [...req.inputs].sort((a, b) => a.t - b.t);
  for (const input of inputs) {
    clock.advanceTo(input.t);
    deliver();
    step = input.step;
    handle(input.message);
    deliver();
  }
  step = -1;
  clock.advanceTo(req.to);
  deliver();
  const undelivered = Object.values(outbox.depth()).reduce((a, b) => a + b, 0);
  registry.stopAll();
  emit({ type: 'done', at: now(), readings, undelivered, pendingTimers: clock.pending });
  outbox.close();
  db.close();
}
