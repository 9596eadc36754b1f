import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { FastifyBaseLogger } from 'fastify';
import { Counter } from 'prom-client';
import type { ServerMetrics } from '../metrics.ts';
import type { BusTopic, ReplicaBus } from './replica-bus.ts';

/** Subjects are `carewatch.bus.{topic}`: core NATS, no JetStream — the store is the record. */
export const BUS_SUBJECT_PREFIX = 'carewatch.bus.';

/**
 * The replicas' bus on core NATS publish/subscribe (issue 22). At most once by design: a message
 * missed while a replica reconnects is caught up from the store (streams by change id, the
 * registry by its version check), so nothing here needs acknowledging or replaying.
 */
export class NatsReplicaBus implements ReplicaBus {
  readonly kind = 'nats' as const;
  private readonly subs = new Set<Subscription>();
  private readonly messages: Counter;

  constructor(private readonly nc: NatsConnection, private readonly log: FastifyBaseLogger, metrics: ServerMetrics) {
    this.messages = new Counter({
      name: 'carewatch_bus_messages_total', help: 'Replica bus messages by topic and direction (sent, received, unreadable).',
      labelNames: ['topic', 'direction'], registers: [metrics.registry],
    });
  }

  send(topic: BusTopic, message: unknown): void {
    if (this.nc.isClosed()) return;
    try {
      // While disconnected the client buffers (and flushes on reconnect); a full buffer throws.
      this.nc.publish(BUS_SUBJECT_PREFIX + topic, JSON.stringify(message));
      this.messages.inc({ topic, direction: 'sent' });
    } catch (error) {
      this.log.warn({ err: error, topic }, 'replica bus: could not send; the others catch up from the store');
    }
  }

  receive(topic: BusTopic, handler: (message: unknown) => void): () => void {
    const sub = this.nc.subscribe(BUS_SUBJECT_PREFIX + topic, {
      callback: (error, msg) => {
        if (error) {
          this.log.error({ err: error, topic }, 'replica bus: subscription failed');
          return;
        }
        let message: unknown;
        try {
          message = msg.json();
        } catch (parseError) {
          this.messages.inc({ topic, direction: 'unreadable' });
          this.log.warn({ err: parseError, topic }, 'replica bus: unreadable message ignored');
          return;
        }
        this.messages.inc({ topic, direction: 'received' });
        try {
          handler(message);
        } catch (handlerError) {
          this.log.error({ err: handlerError, topic }, 'replica bus: a listener failed');
        }
      },
    });
    this.subs.add(sub);
    return () => {
      this.subs.delete(sub);
      sub.unsubscribe();
    };
  }

  /** Stops listening; the connection is the bus plugin's, closed after everything that shares it. */
  async close(): Promise<void> {
    for (const sub of this.subs) sub.unsubscribe();
    this.subs.clear();
  }
}
