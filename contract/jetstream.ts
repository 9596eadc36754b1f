import { z } from 'zod';
import { IngestRefusal } from './api.ts';

/**
 * Gateway → server through NATS JetStream (issue 22, optional beside HTTP; docs/scale-out.md).
 * The gateway publishes each outbox event into a durable stream and counts it sent on the stream's
 * acknowledgement; any server replica consumes it, stores each event id once (as HTTP ingest
 * does) and acknowledges after its commit. Refused events come back on a stream of verdicts and
 * the gateway parks them, as it parks the refusals of an HTTP answer.
 *
 * Checked against Debian's nats-server 2.9.10: file storage, work-queue retention, the duplicate
 * window with `Nats-Msg-Id`, pull consumers with explicit acks — nothing newer.
 */

/** Events: `carewatch.events.{gateway}.{lane}`; body an `Event`; header `Nats-Msg-Id` = event id. */
export const JS_EVENTS_STREAM = 'CAREWATCH_EVENTS';
export const JS_EVENTS_SUBJECTS = 'carewatch.events.>';
/** Verdicts back to one gateway: `carewatch.verdicts.{gateway}`; body a `JetStreamVerdict`. */
export const JS_VERDICTS_STREAM = 'CAREWATCH_VERDICTS';
export const JS_VERDICTS_SUBJECTS = 'carewatch.verdicts.>';
/** The servers' one durable consumer of the events (every replica pulls from it). */
export const JS_INGEST_CONSUMER = 'carewatch-ingest';
/** A retry within this window (the gateway died before the stream's ack reached it) is dropped by JetStream itself. */
export const JS_DUPLICATE_WINDOW_MS = 10 * 60_000;
/** Header with the gateway's token: the server authenticates each message as it does each HTTP request. */
export const JS_TOKEN_HEADER = 'Carewatch-Token';

/** A subject token of an id: ids may hold '.', NATS's token separator; '~' is no id character (contract/ids.ts). */
export function subjectToken(id: string): string {
  return id.replaceAll('.', '~');
}

export function eventSubject(gatewayId: string, lane: string): string {
  return `carewatch.events.${subjectToken(gatewayId)}.${lane}`;
}

/** `Nats-Msg-Id` of an event refused `refusals` times before. */
export function eventMsgId(eventId: string, refusals: number): string {
  return refusals > 0 ? `${eventId}.${refusals}` : eventId;
}

/** How many refusals a `Nats-Msg-Id` of this event counts (0 for the plain event id). */
export function refusalsInMsgId(eventId: string, msgId: string): number {
  const n = msgId.startsWith(`${eventId}.`) ? Number(msgId.slice(eventId.length + 1)) : 0;
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export function verdictSubject(gatewayId: string): string {
  return `carewatch.verdicts.${subjectToken(gatewayId)}`;
}

/**
 * What the server tells a gateway about one message: every refusal (with the event, which the
 * gateway forgot on the stream's ack, to park it as an HTTP answer's `refused` is parked), and the
 * storing of a re-offered event (so the gateway clears the trouble it raised about it). Plain
 * stored events get no verdict: the stream's ack was their gateway's answer.
 */
export const JetStreamVerdict = z.discriminatedUnion('verdict', [
  z.object({
    verdict: z.literal('refused'),
    /**
     * The refused message's `Nats-Msg-Id`: the event id, then `.N` once it was refused N times. A
     * re-offered event goes out as `{id}.{N+1}`, so JetStream's duplicate window does not drop it.
     */
    msgId: z.string(),
    refusal: IngestRefusal,
    /** The event as the gateway sent it (an invalid one may not parse as an `Event`). */
    event: z.record(z.string(), z.unknown()),
    /**
     * A site the server does serve for this gateway: the gateway raises its `gateway.trouble`
     * there (the verdict may come before the gateway knows any site went through).
     */
    servedSite: z.string().optional(),
  }),
  z.object({ verdict: z.literal('stored'), msgId: z.string(), eventId: z.string(), siteId: z.string() }),
]);
export type JetStreamVerdict = z.infer<typeof JetStreamVerdict>;

/** Both streams as JetStream's `$JS.API.STREAM.CREATE` takes them (file storage, work queue, kept until consumed). */
export function jetStreamConfigs(): Array<{ name: string; subjects: string[]; storage: 'file'; retention: 'workqueue'; duplicate_window: number }> {
  const duplicate_window = JS_DUPLICATE_WINDOW_MS * 1_000_000; // nanoseconds
  return [
    { name: JS_EVENTS_STREAM, subjects: [JS_EVENTS_SUBJECTS], storage: 'file', retention: 'workqueue', duplicate_window },
    { name: JS_VERDICTS_STREAM, subjects: [JS_VERDICTS_SUBJECTS], storage: 'file', retention: 'workqueue', duplicate_window },
  ];
}
