import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  Backoff, Event, type ForwarderStats, JetStreamVerdict, JS_TOKEN_HEADER, JS_VERDICTS_STREAM, type Lane, Lane as LaneEnum, MAX_INGEST_BATCH,
  eventMsgId, eventSubject, jetStreamConfigs, refusalsInMsgId, subjectToken, verdictSubject,
} from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import { Metrics } from '../metrics.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { ParkedTrouble, type TroubleMemory } from './parked-trouble.ts';

/** How long one publish waits for the stream's ack before it counts as failed and is retried. */
const PUBLISH_TIMEOUT_MS = 5000;

export interface JetStreamForwarderOptions {
  /** `nats://host:4222[,nats://…]` */
  natsUrl: string;
  gatewayId: string;
  /** The gateway's server token: each message carries it, and the server checks it as for HTTP. */
  token: string;
  outbox: Outbox;
  troubleMemory: TroubleMemory;
  log: Logger;
  metrics?: Metrics;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Parked events are offered again this often (as the HTTP forwarder does); 0 turns the timer off. */
  reofferEveryMs?: number;
  clock?: () => number;
}

interface LaneState {
  running: boolean;
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  backoff: Backoff;
}

/**
 * Delivery through NATS JetStream instead of HTTP (`carewatch gateway --deliver jetstream`, issue
 * 22): each lane's events, oldest first, into the durable stream `CAREWATCH_EVENTS`, one at a time
 * so a failed publish never lets a later event of the same device overtake it. An event counts as
 * sent — and leaves the outbox — only on the stream's ack; its `Nats-Msg-Id` is its id, so a retry
 * after a lost ack is dropped by JetStream's duplicate window and, past it, by the server's
 * "each id once". Any server replica takes it from there, also while others restart.
 *
 * Refusals come back later on the verdict stream: the event is parked in the outbox, logged,
 * counted and reported as the gateway's trouble, exactly as for a refusal in an HTTP answer.
 */
export class JetStreamForwarder {
  readonly stats: ForwarderStats = { sent: 0, duplicates: 0, failures: 0, parked: 0, lastError: null, lastSuccessAt: null, unreachableSince: null };
  private readonly lanes = new Map<Lane, LaneState>();
  private readonly trouble: ParkedTrouble;
  private readonly clock: () => number;
  private readonly count: Record<'sent' | 'parked' | 'failures' | 'reoffered', (labels?: Record<string, string>, by?: number) => void>;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private ready: Promise<void> | undefined;
  private verdicts: ConsumerMessages | undefined;
  private verdictLoop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private reofferTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private stopping: (() => void) | undefined;
  private readonly stoppedSignal = new Promise<void>((resolve) => { this.stopping = resolve; });
  private connecting: Promise<NatsConnection> | undefined;
  private configVersion: number | undefined;

  constructor(private readonly opts: JetStreamForwarderOptions) {
    this.clock = opts.clock ?? Date.now;
    const metrics = opts.metrics ?? new Metrics();
    this.count = {
      sent: metrics.counter('carewatch_forwarder_events_total', 'Events the server answered for, by lane and result (stored, duplicate)'),
      parked: metrics.counter('carewatch_forwarder_parked_total', 'Events the server refused and the gateway parked, by lane and refusal code'),
      failures: metrics.counter('carewatch_forwarder_failures_total', 'Failed sends, by lane and reason (unreachable, refused, http)'),
      reoffered: metrics.counter('carewatch_forwarder_reoffered_total', 'Parked events offered to the server again'),
    };
    this.trouble = new ParkedTrouble({ outbox: opts.outbox, memory: opts.troubleMemory, gatewayId: opts.gatewayId, log: opts.log, clock: this.clock });
    for (const lane of LaneEnum.options) {
      this.lanes.set(lane, { running: false, again: false, timer: undefined, backoff: new Backoff(opts.retryMinMs ?? 200, opts.retryMaxMs ?? 5000) });
    }
  }

  start(): void {
    this.connecting = connect({
      servers: this.opts.natsUrl.split(',').map((s) => s.trim()).filter(Boolean),
      name: `carewatch-gateway-${this.opts.gatewayId}`,
      waitOnFirstConnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500, pingInterval: 5000, maxPingOut: 2,
    });
    this.connecting.catch(() => undefined); // each lane reports it
    this.unsubscribe = this.opts.outbox.onAppend((lane) => this.wake(lane, lane === 'life_safety'));
    this.reoffer('start');
    for (const lane of this.lanes.keys()) this.wake(lane);
    const every = this.opts.reofferEveryMs ?? 60_000;
    if (every > 0) this.reofferTimer = setInterval(() => this.reoffer('timer'), every);
  }

  /** A heartbeat answered: a new configuration version means provisioning changed, so parked events go again. */
  serverAnswered(configVersion?: number): void {
    if (configVersion === undefined || configVersion === this.configVersion) return;
    const first = this.configVersion === undefined;
    this.configVersion = configVersion;
    if (!first) this.reoffer('server configuration changed');
  }

  reoffer(why: string): number {
    const n = this.opts.outbox.reoffer();
    if (n === 0) return 0;
    this.count.reoffered({}, n);
    this.opts.log.info({ events: n, why }, 'parked events offered to the server again');
    for (const lane of this.lanes.keys()) this.wake(lane, true);
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping?.();
    this.unsubscribe?.();
    clearInterval(this.reofferTimer);
    for (const state of this.lanes.values()) clearTimeout(state.timer);
    await this.verdicts?.close().catch(() => undefined);
    await this.verdictLoop;
    // Drain: publishes in flight get their acks (or fail and stay in the outbox) before the socket closes.
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc?.close());
    else void this.connecting?.then((nc) => nc.close(), () => undefined); // still dialling: close it when it connects
    while ([...this.lanes.values()].some((s) => s.running)) await new Promise((r) => setTimeout(r, 10));
  }

  /** The streams and the verdict consumer, set up once (again after a failure, on the next try). */
  private async setUp(): Promise<void> {
    if (!this.ready) {
      this.ready = this.open();
      this.ready.catch(() => { this.ready = undefined; });
    }
    await Promise.race([this.ready, this.stoppedSignal]);
  }

  private async open(): Promise<void> {
    this.nc = await this.connecting!;
    if (this.stopped) return;
    const jsm = await jetstreamManager(this.nc);
    for (const config of jetStreamConfigs()) {
      // Made by whoever comes first (a gateway or a server), with the same configuration (contract/jetstream.ts).
      await jsm.streams.info(config.name).catch(async () => jsm.streams.add(config).catch(async (error: unknown) => {
        await jsm.streams.info(config.name).catch(() => { throw error; });
      }));
    }
    const durable = `gateway-${subjectToken(this.opts.gatewayId)}`;
    await jsm.consumers.info(JS_VERDICTS_STREAM, durable).catch(() => jsm.consumers.add(JS_VERDICTS_STREAM, {
      durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: verdictSubject(this.opts.gatewayId),
    }));
    this.js = jetstream(this.nc);
    const consumer = await this.js.consumers.get(JS_VERDICTS_STREAM, durable);
    this.verdicts = await consumer.consume({ max_messages: 100 });
    this.verdictLoop = (async () => {
      for await (const msg of this.verdicts!) this.onVerdict(msg);
    })().catch((error: unknown) => this.opts.log.error({ err: error }, 'JetStream verdicts: consumer stopped'));
    this.opts.log.info({ nats: this.opts.natsUrl }, 'delivering events through NATS JetStream');
  }

  private wake(lane: Lane, urgent = false): void {
    const state = this.lanes.get(lane)!;
    if (this.stopped) return;
    if (state.running) {
      state.again = true;
      return;
    }
    if (state.timer) {
      if (!urgent) return;
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    void this.drain(lane, state);
  }

  private async drain(lane: Lane, state: LaneState): Promise<void> {
    state.running = true;
    try {
      await this.setUp();
      do {
        state.again = false;
        for (;;) {
          if (this.stopped) return;
          const batch = this.opts.outbox.peek(lane, MAX_INGEST_BATCH);
          if (batch.length === 0) break;
          const refusals = this.opts.outbox.refusalsOf(batch.map((e) => e.id));
          for (const event of batch) {
            if (this.stopped) return;
            await this.publish(lane, event, refusals.get(event.id) ?? 0);
          }
          state.backoff.reset();
        }
      } while (state.again && !this.stopped);
    } catch (error) {
      if (!this.stopped) this.failed(lane, state, (error as Error).message);
    } finally {
      state.running = false;
    }
  }

  private async publish(lane: Lane, event: Event, refusals: number): Promise<void> {
    const h = headers();
    h.set(JS_TOKEN_HEADER, this.opts.token);
    const ack = await this.js!.publish(eventSubject(this.opts.gatewayId, lane), JSON.stringify(event), {
      msgID: eventMsgId(event.id, refusals), headers: h, timeout: PUBLISH_TIMEOUT_MS,
    });
    // On the stream now (or already, `duplicate`): it is the stream's to deliver from here.
    this.opts.outbox.ack([event.id]);
    if (ack.duplicate) this.stats.duplicates += 1;
    else this.stats.sent += 1;
    this.count.sent({ lane, result: ack.duplicate ? 'duplicate' : 'stored' });
    this.stats.lastSuccessAt = this.clock();
    if (this.stats.unreachableSince !== null) {
      this.opts.log.info({ lane, downMs: this.clock() - this.stats.unreachableSince }, 'JetStream reachable again; sending the outbox');
      this.stats.unreachableSince = null;
    }
  }

  private failed(lane: Lane, state: LaneState, error: string): void {
    this.stats.failures += 1;
    this.stats.lastError = error;
    this.count.failures({ lane, reason: 'unreachable' });
    if (this.stats.unreachableSince === null) {
      this.stats.unreachableSince = this.clock();
      this.opts.log.warn({ lane, err: error }, 'JetStream unreachable; events kept in the outbox');
    }
    const delay = state.backoff.next();
    state.timer = setTimeout(() => { state.timer = undefined; this.wake(lane); }, delay);
  }

  private onVerdict(msg: JsMsg): void {
    let verdict: JetStreamVerdict;
    try {
      verdict = JetStreamVerdict.parse(msg.json());
    } catch (error) {
      this.opts.log.error({ err: error, seq: msg.seq }, 'JetStream verdict unreadable; dropped');
      msg.term();
      return;
    }
    if (verdict.verdict === 'stored') {
      this.trouble.noteServed([verdict.siteId]);
      this.trouble.settled();
      msg.ack();
      return;
    }
    const parsed = Event.safeParse(verdict.event);
    const event = (parsed.success ? parsed.data : verdict.event) as Event;
    const refusals = refusalsInMsgId(verdict.refusal.id, verdict.msgId) + 1;
    if (this.opts.outbox.returnRefused(event, verdict.refusal, refusals)) {
      const lane = LaneEnum.safeParse(event.lane).success ? event.lane : 'alarm';
      this.stats.parked += 1;
      this.count.parked({ lane, code: verdict.refusal.code });
      this.opts.log.error({ lane, event: verdict.refusal.id, siteId: event.siteId, severity: event.severity, refusal: verdict.refusal },
        'server refused an event delivered through JetStream; parked in the outbox (listed on the status page) and offered again later');
      this.trouble.parked([event], [verdict.refusal], this.opts.outbox.parked(0).total);
    }
    msg.ack();
  }
}
