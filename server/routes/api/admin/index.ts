import type { FastifyInstance } from 'fastify';
import { allowRoles } from '../guards.ts';
import accountRoutes from './admin-accounts.ts';
import regionRoutes from './admin-regions.ts';
import residentRoutes from './admin-residents.ts';
import siteRoutes from './admin-sites.ts';

/**
 * `/api/v1/admin/…` (issue 17; `carewatch admin` calls it): administrators only, each within
 * its own region node. Every change commits with its `provisioning.changed` audit record in the
 * same unit of work, and reaches scope, open streams and waiting gateways before the answer.
 * Anything outside the caller's node answers as if it did not exist.
 */
export default async function adminRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', allowRoles(['admin'], 'use the admin API'));
  await app.register(regionRoutes);
  await app.register(siteRoutes);
  await app.register(accountRoutes);
  await app.register(residentRoutes);
}
