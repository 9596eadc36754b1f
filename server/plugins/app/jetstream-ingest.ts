import fp from 'fastify-plugin';
import { JetStreamIngest, firstSite } from '../../services/bus/jetstream-ingest.ts';
import { SERVER_SENDER } from '../../services/gateway-watch.ts';
import { ingestEvents } from '../../services/ingest-events.ts';

export interface JetStreamIngestPluginOptions {
  /** `--jetstream-ingest`: take gateway events from JetStream too (needs the NATS bus). */
  enabled: boolean;
  clock: () => number;
}

/** Gateway events delivered through NATS JetStream (issue 22, docs/scale-out.md), beside HTTP ingest. */
export default fp<JetStreamIngestPluginOptions>(async (app, opts) => {
  if (!opts.enabled) return;
  const nc = app.nats;
  if (!nc) throw Object.assign(new Error('JetStream ingest needs the NATS bus: give --bus nats://host:4222'), { code: 'JETSTREAM_NEEDS_BUS' });
  const ingest = new JetStreamIngest({
    nc,
    authenticate: (token) => app.identity.authenticate(token),
    ingest: (gateway, raws, elapsedMs) => ingestEvents(app, gateway, raws, `nats:${gateway.name}`, app.log, elapsedMs),
    siteOfGateway: (gatewayId) => firstSite(app.identity.gatewayPrincipal(gatewayId)), // none for a gateway not provisioned
    raise: async (events) => { await app.alarms.ingest(SERVER_SENDER, events); },
    log: app.log,
    metrics: app.metrics,
    clock: opts.clock,
  });
  app.addHook('onReady', async () => ingest.start());
  // Before the NATS connection drains (the bus plugin's onClose): the batch in hand is stored and acknowledged first.
  app.addHook('preClose', async () => ingest.stop());
}, { name: 'jetstream-ingest', fastify: '5.x', dependencies: ['bus', 'alarms', 'auth', 'history', 'metrics'] });
