import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from '../plugins/external/zod-compiler.ts';

const Health = z.object({ status: z.literal('ok') });

/**
 * Liveness and metrics stay outside `/api/v1`, without a token, for probes and Prometheus. The
 * metrics carry no site, resident or device label, only totals, so they reveal no one's data.
 */
export default async function healthRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/healthz', { schema: { response: { 200: Health } } }, async () => ({ status: 'ok' as const }));
  app.get('/metrics', async (_request, reply) =>
    reply.type(app.metrics.contentType).send(await app.metrics.render()));
}
