import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyBaseLogger } from 'fastify';

/**
 * One NATS connection for a server replica (the bus and the JetStream ingest share it). It
 * reconnects for ever: a NATS restart is an outage to ride out, not a reason to stop serving HTTP.
 * `noEcho`: what this replica sends never comes back to it (it has told its own listeners).
 */
export async function connectNats(url: string, name: string, log: FastifyBaseLogger): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(',').map((s) => s.trim()).filter(Boolean),
    name,
    noEcho: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // A dead server is noticed within ~10 s instead of the default 4 minutes.
    pingInterval: 5000,
    maxPingOut: 2,
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') log.warn({ nats: s.server }, 'NATS connection lost; reconnecting');
      else if (s.type === 'reconnect') log.info({ nats: s.server }, 'NATS connection back');
      else if (s.type === 'error') log.error({ err: s.error }, 'NATS error');
    }
  })().catch(() => undefined);
  return nc;
}
