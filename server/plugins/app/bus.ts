import type { NatsConnection } from '@nats-io/transport-node';
import fp from 'fastify-plugin';
import { connectNats } from '../../services/bus/nats-connection.ts';
import { NatsReplicaBus } from '../../services/bus/nats-replica-bus.ts';
import { InProcessReplicaBus } from '../../services/bus/replica-bus.ts';
import type { ReplicaBus } from '../../services/bus/replica-bus.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** How this replica tells the others what it committed (issue 22); in-process by default. */
    replicaBus: ReplicaBus;
    /** The NATS connection when the bus is NATS (JetStream ingest shares it); else undefined. */
    nats: NatsConnection | undefined;
  }
}

export interface BusOptions {
  /** `nats://host:4222[,nats://…]` (`--bus`, `CAREWATCH_BUS`); absent: one replica, in-process. */
  url?: string | undefined;
}

export default fp<BusOptions>(async (app, opts) => {
  if (!opts.url) {
    app.decorate('replicaBus', new InProcessReplicaBus());
    app.decorate('nats', undefined);
    return;
  }
  const nc = await connectNats(opts.url, `carewatch-server-${process.pid}`, app.log);
  const bus = new NatsReplicaBus(nc, app.log, app.metrics);
  app.decorate('replicaBus', bus);
  app.decorate('nats', nc);
  app.log.info({ bus: opts.url }, 'replica bus on NATS');
  app.addHook('onClose', async () => {
    await bus.close();
    await nc.drain().catch(() => nc.close());
  });
}, { name: 'bus', fastify: '5.x', dependencies: ['store', 'metrics'] });
