import fp from 'fastify-plugin';
import { ServerMetrics } from '../../services/metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServerMetrics;
  }
}

// The alarm latency goal end to end (issue 11): one request alone should never take it all.
const SLOW_ANSWER_MS = 50;

/** Counts every answered request by route pattern (not raw URL, so ids never explode the series). */
export default fp(async (app) => {
  const metrics = new ServerMetrics();
  app.decorate('metrics', metrics);
  metrics.addGauge('carewatch_alarms', 'Alarms by status.', async () =>
    Object.entries(await app.store.read((tx) => tx.alarms.countByStatus())).map(([status, n]) => [{ status }, n]), ['status']);
  app.addHook('onResponse', async (request, reply) => {
    // An alarm is in the console within milliseconds when all is well; a slow answer is worth a
    // line to match against (a commit waiting on a busy disk, a large body, a stalled loop).
    if (reply.elapsedTime > SLOW_ANSWER_MS && !request.url.endsWith('/stream')) {
      request.log.warn({ route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'slow answer');
    }
    metrics.httpRequests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });
}, { name: 'metrics', fastify: '5.x', dependencies: ['store'] });
