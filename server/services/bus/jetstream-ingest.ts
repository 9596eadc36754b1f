import { createHash } from 'node:crypto';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyBaseLogger } from 'fastify';
import { Counter } from 'prom-client';
import {
  Backoff, DEFAULT_SEVERITY, type Event, type IngestResponse, type JetStreamVerdict, JS_EVENTS_STREAM, JS_INGEST_CONSUMER, JS_TOKEN_HEADER,
  jetStreamConfigs, laneFor, refusalsInMsgId, verdictSubject,
} from '../../../contract/index.ts';
import type { ServerMetrics } from '../metrics.ts';
import { StreamTurns } from './stream-turns.ts';
import type { Principal } from '../scope.ts';

/**
 * At most this many messages are out to the replicas at once (the consumer's `max_ack_pending`);
 * a replica stores at most this many in one transaction, in stream order (stream-turns.ts).
 */
export const JS_INGEST_BATCH = 500;
/** A batch not acknowledged within this long (its replica died) goes to another replica. */
const ACK_WAIT_MS = 10_000;
const PREFIX = 'carewatch.events.';
/** The source of the server's trouble about unusable messages (CONTRACT.md `link:{name}`). */
export const JETSTREAM_LINK_SUBJECT = 'link:jetstream-ingest';
const TROUBLE_EVERY_MS = 60_000;

export interface JetStreamIngestOptions {
  nc: NatsConnection;
  /** The same check as a bearer token on HTTP ingest. */
  authenticate: (token: string) => Promise<Principal | undefined>;
  /** The one ingest path (services/ingest-events.ts). */
  ingest: (gateway: Principal, raws: Array<{ id: string }>, elapsedMs: () => number) => Promise<IngestResponse>;
  /** A site of a provisioned gateway, to carry the server's trouble about its messages. */
  siteOfGateway: (gatewayId: string) => string | undefined;
  /** Stores the server's own events (alarms.ingest under the server's sender name). */
  raise: (events: Event[]) => Promise<void>;
  log: FastifyBaseLogger;
  metrics: ServerMetrics;
  clock: () => number;
}

/** One message read: whose it is, and the event in it, or why it cannot be used. */
type Read =
  | { msg: JsMsg; gateway: Principal; raw: { id: string }; msgId: string }
  | { msg: JsMsg; invalid: 'subject' | 'token' | 'body'; reason: string; claimed: string | undefined };

/**
 * The servers' side of JetStream delivery (`carewatch server --bus URL --jetstream-ingest`, issue
 * 22): every replica pulls from the one durable consumer `carewatch-ingest`, checks each message
 * as HTTP ingest checks a request (the gateway's token, which must be the gateway the subject
 * names; the contract's `Event`; the site served by that gateway), stores it through the same
 * path (each event id once) and acknowledges only after the commit. Duplicates are acknowledged
 * and counted. Refusals go back to their gateway on the verdict stream, to be parked there.
 * Unusable messages (a bad subject, token or body) are counted, logged with the reason,
 * terminated — never redelivered — and raised as `gateway.trouble` on the claimed gateway's site.
 */
export class JetStreamIngest {
  private js: JetStreamClient | undefined;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private turns: StreamTurns | undefined;
  private draining: Promise<void> | undefined;
  private stopped = false;
  private readonly counted: Counter;
  private readonly troubleAt = new Map<string, number>();
  private readonly backoff = new Backoff(200, 5000);

  constructor(private readonly opts: JetStreamIngestOptions) {
    this.counted = new Counter({
      name: 'carewatch_jetstream_ingest_messages_total',
      help: 'Events taken from JetStream by result (stored, duplicate, refused_<code>, invalid_<subject|token|body>).',
      labelNames: ['result'], registers: [opts.metrics.registry],
    });
  }

  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.opts.nc);
    for (const config of jetStreamConfigs()) {
      await jsm.streams.info(config.name).catch(() => jsm.streams.add(config)).catch(() => jsm.streams.info(config.name));
    }
    await jsm.consumers.info(JS_EVENTS_STREAM, JS_INGEST_CONSUMER).catch(() => jsm.consumers.add(JS_EVENTS_STREAM, {
      durable_name: JS_INGEST_CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All,
      ack_wait: ACK_WAIT_MS * 1_000_000, max_ack_pending: JS_INGEST_BATCH, max_deliver: -1,
    })).catch(() => jsm.consumers.info(JS_EVENTS_STREAM, JS_INGEST_CONSUMER));
    this.js = jetstream(this.opts.nc);
    const turns = new StreamTurns({
      firstSeq: async () => (await jsm.streams.info(JS_EVENTS_STREAM)).state.first_seq,
      pollMs: 250,
      keepAliveMs: ACK_WAIT_MS / 3,
    });
    this.turns = turns;
    const messages = await (await this.js.consumers.get(JS_EVENTS_STREAM, JS_INGEST_CONSUMER)).consume({ max_messages: JS_INGEST_BATCH });
    this.messages = messages;
    this.loop = (async () => {
      for await (const msg of messages) {
        turns.add(msg);
        // Whatever arrived together goes in one transaction; what comes during a commit, in the next.
        this.draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
      }
    })().catch((error: unknown) => this.opts.log.error({ err: error }, 'JetStream ingest: consumer stopped'));
    this.opts.log.info({ stream: JS_EVENTS_STREAM, consumer: JS_INGEST_CONSUMER }, 'taking gateway events from NATS JetStream');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    await this.draining;
    // Not taken: to another replica at once.
    for (const msg of this.turns?.release() ?? []) msg.nak();
  }

  private async drain(): Promise<void> {
    const turns = this.turns!;
    for (;;) {
      const batch = await turns.next(JS_INGEST_BATCH, () => this.stopped).catch((error: unknown) => {
        this.opts.log.warn({ err: error }, 'JetStream ingest: stream state unknown; asking again');
        return null;
      });
      if (batch === null) {
        if (this.stopped) break;
        await new Promise((r) => setTimeout(r, this.backoff.next()));
        continue;
      }
      if (batch.length === 0) break;
      // A failed commit (the store unreachable) is tried again, in order, until it passes.
      try {
        await this.take(batch);
        turns.done(batch);
        this.backoff.reset();
      } catch (error) {
        if (this.stopped) break;
        this.opts.log.error({ err: error, messages: batch.length }, 'JetStream ingest: storing failed; trying again');
        for (const msg of batch) msg.working();
        await new Promise((r) => setTimeout(r, this.backoff.next()));
      }
    }
    this.draining = undefined;
    // A message that came as this pass found nothing left starts the next pass.
    if (turns.size > 0 && !this.stopped) this.draining = this.drain();
  }

  /** One batch: checked, stored per gateway in stream order, verdicts sent, then acknowledged. */
  private async take(batch: readonly JsMsg[]): Promise<void> {
    const started = performance.now();
    const reads = await Promise.all(batch.map((msg) => this.read(msg)));
    const byGateway = new Map<string, Array<Extract<Read, { gateway: Principal }>>>();
    for (const r of reads) {
      if ('invalid' in r) continue;
      const list = byGateway.get(r.gateway.name) ?? [];
      list.push(r);
      byGateway.set(r.gateway.name, list);
    }
    const settle: Array<() => void> = [];
    for (const [gatewayId, list] of byGateway) {
      const answer = await this.opts.ingest(list[0]!.gateway, list.map((r) => r.raw), () => performance.now() - started);
      const refused = new Map(answer.refused.map((x) => [x.id, x]));
      const verdicts: JetStreamVerdict[] = [];
      for (const r of list) {
        const refusal = refused.get(r.raw.id);
        if (refusal) {
          const servedSite = firstSite(r.gateway);
          verdicts.push({ verdict: 'refused', msgId: r.msgId, refusal, event: r.raw, ...(servedSite !== undefined ? { servedSite } : {}) });
          this.counted.inc({ result: `refused_${refusal.code}` });
          // An event this server cannot read is never offered again as it is; a refused site may be provisioned later.
          settle.push(() => (refusal.code === 'invalid' ? r.msg.term() : r.msg.ack()));
        } else {
          if (refusalsInMsgId(r.raw.id, r.msgId) > 0) verdicts.push({ verdict: 'stored', msgId: r.msgId, eventId: r.raw.id, siteId: String((r.raw as Record<string, unknown>).siteId) });
          settle.push(() => r.msg.ack());
        }
      }
      this.counted.inc({ result: 'stored' }, answer.stored.length - answer.duplicates);
      this.counted.inc({ result: 'duplicate' }, answer.duplicates);
      for (const v of verdicts) await this.js!.publish(verdictSubject(gatewayId), JSON.stringify(v));
    }
    for (const r of reads) if ('invalid' in r) await this.unusable(r);
    for (const s of settle) s();
  }

  private async read(msg: JsMsg): Promise<Read> {
    const token = msg.subject.startsWith(PREFIX) ? msg.subject.slice(PREFIX.length).split('.') : [];
    if (token.length !== 2 || !token[0]) return { msg, invalid: 'subject', reason: `subject ${msg.subject} is not carewatch.events.{gateway}.{lane}`, claimed: undefined };
    const claimed = token[0].replaceAll('~', '.');
    const secret = msg.headers?.get(JS_TOKEN_HEADER) ?? '';
    const principal = secret ? await this.opts.authenticate(secret) : undefined;
    if (!principal || principal.role !== 'gateway' || principal.name !== claimed) {
      return { msg, invalid: 'token', reason: `no ${JS_TOKEN_HEADER} header of gateway ${claimed}${principal ? ` (the token is ${principal.name}'s)` : ''}`, claimed };
    }
    let raw: unknown;
    try {
      raw = msg.json();
    } catch (error) {
      return { msg, invalid: 'body', reason: `body is not JSON: ${(error as Error).message}`, claimed };
    }
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof raw !== 'object' || raw === null || typeof id !== 'string' || id === '') {
      return { msg, invalid: 'body', reason: 'body is not an event object with an id', claimed };
    }
    return { msg, gateway: principal, raw: raw as { id: string }, msgId: msg.headers?.get('Nats-Msg-Id') || id };
  }

  /** Counted, logged, terminated; the claimed gateway's site gets `gateway.trouble` (at most once a minute). */
  private async unusable(r: Extract<Read, { invalid: string }>): Promise<void> {
    this.counted.inc({ result: `invalid_${r.invalid}` });
    this.opts.log.error({ subject: r.msg.subject, seq: r.msg.seq, gatewayId: r.claimed, reason: r.reason }, 'JetStream ingest: unusable message terminated');
    const siteId = r.claimed === undefined ? undefined : this.opts.siteOfGateway(r.claimed);
    const now = this.opts.clock();
    if (siteId !== undefined && now - (this.troubleAt.get(r.claimed!) ?? -Infinity) >= TROUBLE_EVERY_MS) {
      this.troubleAt.set(r.claimed!, now);
      await this.opts.raise([troubleEvent(r.claimed!, siteId, r.reason, now)]);
    }
    r.msg.term(); // no reason: `+TERM reason` is newer than nats-server 2.9
  }
}

/** A site this gateway is served for (none for a gateway granted every site, or none). */
export function firstSite(gateway: Principal): string | undefined {
  return gateway.sites === 'all' ? undefined : gateway.sites[Symbol.iterator]().next().value;
}

function troubleEvent(gatewayId: string, siteId: string, reason: string, now: number): Event {
  const severity = DEFAULT_SEVERITY['gateway.trouble'];
  return {
    id: `srv-${createHash('sha256').update(`${JETSTREAM_LINK_SUBJECT}\0${gatewayId}\0${now}`).digest('hex').slice(0, 40)}`,
    siteId, kind: 'gateway.trouble', action: 'raise', severity, lane: laneFor(severity, 'raise'),
    subject: JETSTREAM_LINK_SUBJECT, ts: now, createdAt: now, seq: now, count: 1,
    details: { gatewayId, problem: 'unusable messages on the JetStream delivery stream', reason: reason.slice(0, 500) },
  };
}
