import type { Event, Lane } from '../../contract/index.ts';
import type { EventDraft } from '../core/event-draft.ts';

/**
 * The durable queue between the rules and the forwarder (DESIGN.md: "the outbox is its own module
 * behind a small interface"). `append` returns only once the event is on disk, so whatever
 * acknowledges a device after it (a QoS 1 PUBACK, a watch's AL reply) acknowledges a durable event.
 */
export interface Outbox {
  /** Gives the draft its identity (id, per-subject seq, createdAt, lane) and stores it durably. */
  append(draft: EventDraft): Event;
  /** Oldest first, at most `limit`, of one lane. */
  peek(lane: Lane, limit: number): Event[];
  /** The server stored these: forget them. Unknown ids are ignored (a retry raced an ack). */
  ack(ids: readonly string[]): void;
  depth(): Record<Lane, number>;
  /** Called after every append, so a sender can wake without polling. */
  onAppend(listener: (lane: Lane) => void): () => void;
  close(): void;
}
