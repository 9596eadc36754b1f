import fp from 'fastify-plugin';
import { Gauge, ServerMetrics } from '../../services/metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServerMetrics;
  }
}

/** Counts every answered request by route pattern (not raw URL, so ids never explode the series). */
export default fp(async (app) => {
  const metrics = new ServerMetrics();
  app.decorate('metrics', metrics);
  metrics.addGauge(new Gauge('carewatch_alarms', 'Alarms by status.', () =>
    Object.entries(app.store.alarms.countByStatus()).map(([status, n]) => [{ status }, n])));
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });
}, { name: 'metrics', fastify: '5.x', dependencies: ['store'] });
