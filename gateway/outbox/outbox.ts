import type { Event, IngestRefusal, Lane, ParkedList } from '../../contract/index.ts';
import type { EventDraft } from '../core/kit/event-draft.ts';

/**
 * The durable queue between the rules and the forwarder (DESIGN.md: "the outbox is its own module
 * behind a small interface"). `append` returns only once the event is on disk, so whatever
 * acknowledges a device after it (a QoS 1 PUBACK, a watch's AL reply) acknowledges a durable event.
 */
export interface Outbox {
  /** Gives the draft its identity (id, per-subject seq, createdAt, lane) and stores it durably. */
  append(draft: EventDraft): Event;
  /**
   * Call after the caller's own transaction around `append` committed, before the device is
   * acknowledged: makes that commit power-safe when it carried an alarm (issue 15, defect 4).
   */
  afterCommit(): void;
  /** Oldest first, at most `limit`, of one lane; parked events are left out. */
  peek(lane: Lane, limit: number): Event[];
  /** The server stored these: forget them. Unknown and parked ids are ignored (a retry raced an ack). */
  ack(ids: readonly string[]): void;
  /**
   * The server's answer to one batch, in one transaction: stored ids forgotten, refused ones
   * parked (kept on disk, out of the lane's way). Returns the events parked now.
   */
  settle(stored: readonly string[], refused: readonly IngestRefusal[]): Event[];
  /**
   * An event already handed on (and forgotten) that the server refused later — JetStream delivery
   * learns of refusals after the stream's ack (docs/scale-out.md): parked again, as `settle` parks.
   * `refusals`: how many times it has been refused now. The verdict may come before the lane
   * settled the stream's ack: the row still here is parked, and the ack then leaves it. Returns
   * false when the event is parked already (a refusal told twice).
   */
  returnRefused(event: Event, refusal: IngestRefusal, refusals: number): boolean;
  /** How often each of these events was refused before (0 for most): a re-offer is a new message. */
  refusalsOf(ids: readonly string[]): Map<string, number>;
  /** Puts every parked event back in its lane, in its old place; returns how many. */
  reoffer(): number;
  /** The parked events, oldest first (at most `limit`), and their total. */
  parked(limit: number): ParkedList;
  /** Whether an event the server once refused is still here (parked, or offered again). */
  holdsRefused(): boolean;
  /** Events waiting to be sent, by lane (parked ones not counted). */
  depth(): Record<Lane, number>;
  /** Called after every append, so a sender can wake without polling. */
  onAppend(listener: (lane: Lane) => void): () => void;
  close(): void;
}
