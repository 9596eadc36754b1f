import type { DeliveryTarget, Event, IngestRefusal, IngestResponse, Lane } from '../../contract/index.ts';

/**
 * How the forwarder's lanes hand a batch on (issue 22): over HTTP to the server's ingest
 * (`http-transport.ts`, the default), or into a durable NATS JetStream stream any server replica
 * consumes (`jetstream-transport.ts`). The delivery loop — the outbox, one sender per lane, the
 * backoff, parking, metrics — is the same for both (`forwarder.ts`, `lane-sender.ts`).
 */
export interface DeliveryTransport {
  /** What the status page shows: `{ via: 'http' | 'jetstream', target }`. */
  readonly target: DeliveryTarget;
  /**
   * Whether an answer means the server stored the events (HTTP), or only that a durable stream
   * holds them and the server takes them from there (JetStream: refusals come back later).
   */
  readonly answersForServer: boolean;
  start(later: LaterVerdicts): void;
  /** Hands one lane's batch on, oldest first. Throws `SendError`; `signal` aborts on stop. */
  send(lane: Lane, batch: readonly Event[], signal: AbortSignal): Promise<IngestResponse>;
  stop(): Promise<void>;
}

/** What the server says about events after the transport forgot them (JetStream's verdicts). */
export interface LaterVerdicts {
  /** The server refused an event already handed on; `refusals` counts this refusal; `servedSite` is one it serves. */
  refused(event: Event, refusal: IngestRefusal, refusals: number, servedSite: string | undefined): void;
  /** The server stored an event it had refused before (a re-offer): its site is served again. */
  storedAfterRefusal(siteId: string): void;
}

/** A failed send, and whether the server answered it at all (a 403 is an answer, not an outage). */
export class SendError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** The part of the batch handed on before the failure (JetStream publishes one event at a time). */
    readonly partial?: IngestResponse,
  ) {
    super(message);
  }
}
