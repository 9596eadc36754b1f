import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  Event, type IngestResponse, JetStreamVerdict, JS_TOKEN_HEADER, JS_VERDICTS_STREAM, type Lane,
  eventMsgId, eventSubject, jetStreamConfigs, refusalsInMsgId, subjectToken, verdictSubject,
} from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { type DeliveryTransport, type LaterVerdicts, SendError } from './delivery-transport.ts';

/** How long one publish waits for the stream's ack before it counts as failed (and is retried). */
const PUBLISH_TIMEOUT_MS = 5000;

export interface JetStreamTransportOptions {
  /** `nats://host:4222[,nats://…]` */
  natsUrl: string;
  gatewayId: string;
  /** The gateway's server token: each message carries it, and the server checks it as it checks a bearer token. */
  token: string;
  /** How often an event was refused before, so a re-offer gets a fresh `Nats-Msg-Id`. */
  outbox: Pick<Outbox, 'refusalsOf'>;
  log: Logger;
}

/**
 * Delivery into NATS JetStream (`carewatch gateway --deliver jetstream --nats URL`, issue 22;
 * contract/jetstream.ts). Each event goes to `carewatch.events.{gateway}.{lane}` with its id as
 * `Nats-Msg-Id`, one at a time and in lane order, so a failed publish never lets a later event of
 * the same device overtake it; it counts as handed on — and leaves the outbox — on the stream's
 * ack (file storage: on the NATS server's disk). A retry after a lost ack is dropped by the
 * stream's duplicate window, and past it by the server's "each id once".
 *
 * The server answers refusals later, on the verdict stream (one durable consumer per gateway):
 * the forwarder parks them as it parks the refusals of an HTTP answer.
 */
export class JetStreamTransport implements DeliveryTransport {
  readonly answersForServer = false;
  readonly target;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private connecting: Promise<NatsConnection> | undefined;
  private ready: Promise<void> | undefined;
  private verdicts: ConsumerMessages | undefined;
  private verdictLoop: Promise<void> | undefined;
  private later: LaterVerdicts | undefined;
  private stopped = false;

  constructor(private readonly opts: JetStreamTransportOptions) {
    this.target = { via: 'jetstream' as const, url: opts.natsUrl };
  }

  start(later: LaterVerdicts): void {
    this.later = later;
    this.connecting = connect({
      servers: this.opts.natsUrl.split(',').map((s) => s.trim()).filter(Boolean),
      name: `carewatch-gateway-${this.opts.gatewayId}`,
      // Not up yet at start: keep dialling (each send reports the outage), as for a server down.
      waitOnFirstConnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500, pingInterval: 5000, maxPingOut: 2,
    });
    this.connecting.catch((error: unknown) => this.opts.log.error({ err: error }, 'NATS connection failed'));
  }

  async send(lane: Lane, batch: readonly Event[], signal: AbortSignal): Promise<IngestResponse> {
    const stored: string[] = [];
    let duplicates = 0;
    try {
      await this.setUp(signal);
      const refusals = this.opts.outbox.refusalsOf(batch.map((e) => e.id));
      for (const event of batch) {
        if (signal.aborted) throw new Error('stopped');
        const h = headers();
        h.set(JS_TOKEN_HEADER, this.opts.token);
        const ack = await this.js!.publish(eventSubject(this.opts.gatewayId, lane), JSON.stringify(event), {
          msgID: eventMsgId(event.id, refusals.get(event.id) ?? 0), headers: h, timeout: PUBLISH_TIMEOUT_MS,
        });
        stored.push(event.id);
        if (ack.duplicate) duplicates += 1;
      }
    } catch (error) {
      this.ready = undefined; // set the streams up again on the next try (a NATS server restarted empty)
      const partial = stored.length > 0 ? { stored, duplicates, refused: [] } : undefined;
      throw new SendError(`JetStream unreachable: ${(error as Error).message}`, undefined, partial);
    }
    return { stored, duplicates, refused: [] };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.verdicts?.close().catch(() => undefined);
    await this.verdictLoop;
    if (this.nc) await this.nc.drain().catch(() => this.nc?.close());
    else void this.connecting?.then((nc) => nc.close(), () => undefined); // still dialling: close once it connects
  }

  /** The streams and this gateway's verdict consumer, set up once (again after a failure). */
  private async setUp(signal: AbortSignal): Promise<void> {
    if (!this.ready) {
      const ready = this.open();
      this.ready = ready;
      ready.catch(() => { if (this.ready === ready) this.ready = undefined; });
    }
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }));
    aborted.catch(() => undefined);
    await Promise.race([this.ready, aborted]);
  }

  private async open(): Promise<void> {
    this.nc = await this.connecting!;
    const jsm = await jetstreamManager(this.nc);
    // Made by whoever comes first, a gateway or a server, with the one configuration of contract/jetstream.ts.
    for (const config of jetStreamConfigs()) {
      await jsm.streams.info(config.name).catch(() => jsm.streams.add(config)).catch(() => jsm.streams.info(config.name));
    }
    this.js = jetstream(this.nc);
    if (this.verdicts) return;
    const durable = `gateway-${subjectToken(this.opts.gatewayId)}`;
    await jsm.consumers.info(JS_VERDICTS_STREAM, durable).catch(() => jsm.consumers.add(JS_VERDICTS_STREAM, {
      durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: verdictSubject(this.opts.gatewayId),
    }));
    if (this.stopped) return;
    const verdicts = await (await this.js.consumers.get(JS_VERDICTS_STREAM, durable)).consume({ max_messages: 100 });
    this.verdicts = verdicts;
    this.verdictLoop = (async () => {
      for await (const msg of verdicts) this.onVerdict(msg);
    })().catch((error: unknown) => this.opts.log.error({ err: error }, 'JetStream verdicts: consumer stopped'));
    this.opts.log.info({ nats: this.opts.natsUrl }, 'delivering events through NATS JetStream');
  }

  private onVerdict(msg: JsMsg): void {
    const parsed = JetStreamVerdict.safeParse(safeJson(msg));
    if (!parsed.success) {
      this.opts.log.error({ seq: msg.seq, err: parsed.error.message }, 'JetStream verdict unreadable; dropped');
      msg.term();
      return;
    }
    const verdict = parsed.data;
    if (verdict.verdict === 'stored') {
      this.later?.storedAfterRefusal(verdict.siteId);
    } else {
      const event = Event.safeParse(verdict.event);
      // An event this server found invalid may not parse here either: it is parked as sent.
      this.later?.refused((event.success ? event.data : verdict.event) as Event, verdict.refusal, refusalsInMsgId(verdict.refusal.id, verdict.msgId) + 1, verdict.servedSite);
    }
    msg.ack();
  }
}

function safeJson(msg: JsMsg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined; // unreadable: refused by the schema check, with the reason logged
  }
}
