import type { FastifyInstance } from 'fastify';
import { notFound } from '../../http-error.ts';
import alarmRoutes from './alarms.ts';
import deviceRoutes from './devices.ts';
import ingestRoutes from './ingest.ts';
import readingsIngestRoutes from './readings-ingest.ts';
import sitePlanRoutes from './site-plan.ts';
import regionRoutes from './regions.ts';
import sessionRoutes from './session.ts';
import adminRoutes from './admin/index.ts';
import gatewayConfigRoutes from './gateway-config.ts';
import streamRoutes from './stream.ts';

/**
 * Everything under `/api/v1` needs a bearer token. Registered without `fp`, so this hook stays
 * local to the API scope (fastify/demo's autohooks): `/healthz` and the console page stay open.
 */
export default async function apiRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.authenticate);
  // Unknown API paths too: without a token, a caller learns nothing, not even which routes exist.
  app.setNotFoundHandler({ preHandler: app.authenticate }, async (request) => {
    throw notFound(`no route ${request.method} ${request.url.split('?')[0]}`);
  });
  await app.register(ingestRoutes);
  await app.register(readingsIngestRoutes);
  await app.register(alarmRoutes);
  await app.register(streamRoutes);
  await app.register(deviceRoutes);
  await app.register(regionRoutes);
  await app.register(sessionRoutes);
  await app.register(gatewayConfigRoutes);
  await app.register(adminRoutes, { prefix: '/admin' });
  await app.register(sitePlanRoutes);
}
