import type { FastifyInstance } from 'fastify';
import { GatewayConfig, GatewayConfigQuery } from '../../../contract/index.ts';
import type { ManagedSite } from '../../../contract/index.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import type { SiteRecord } from '../../services/store/registry-store.ts';
import { allowRoles, ErrorBody, principalOf } from './guards.ts';

/**
 * `GET /gateway/config?since=N&waitSec=S` (contract `GatewayConfig`): the sites the registry
 * assigns the calling gateway, changed after version N, with their MQTT credential hashes.
 * With `waitSec` the answer waits for the next change for this gateway (a long poll), so a home
 * added with `carewatch admin` reaches its gateway at once, and an idle gateway asks twice a minute.
 */
export default async function gatewayConfigRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  /** Long polls waiting now: the server's close answers them instead of leaving timers behind. */
  const waiting = new Set<() => void>();
  app.addHook('onClose', async () => { for (const wake of [...waiting]) wake(); });

  app.get('/gateway/config', {
    onRequest: allowRoles(['gateway'], 'pull a gateway configuration (gateways only)'),
    schema: { querystring: GatewayConfigQuery, response: { 200: GatewayConfig, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const gatewayId = principalOf(request).name;
    const { since, waitSec } = request.query;
    const current = await app.store.read((tx) => tx.registry.configVersionOf(gatewayId));
    if (current <= since && since <= (await app.store.read((tx) => tx.registry.version())) && waitSec > 0) {
      await new Promise<void>((resolve) => {
        const wake = (): void => { clearTimeout(timer); unsubscribe(); waiting.delete(wake); resolve(); };
        const timer = setTimeout(wake, waitSec * 1000);
        const unsubscribe = app.provisioning.subscribe((change) => {
          if (change.gateways.includes(gatewayId) || change.gateways.includes('*')) wake();
        });
        waiting.add(wake);
        request.raw.once('close', wake);
      });
    }
    return configFor(app, gatewayId, since);
  });
}

/**
 * What changed for the gateway after `since`; everything when `since` is 0 or ahead of this
 * server (a store rebuilt from scratch: the gateway then drops what the server no longer has).
 */
async function configFor(app: FastifyInstance, gatewayId: string, since: number): Promise<GatewayConfig> {
  return app.store.read(async (tx) => {
    const version = await tx.registry.version();
    const toSite = (record: SiteRecord): ManagedSite => ({
      siteId: record.siteId,
      version: record.version,
      document: app.sites.open(record) as ManagedSite['document'],
      credentials: record.credentials.map((c) => ({ username: c.username, secretHash: c.secretHash, role: c.role, siteId: record.siteId, subject: c.subject })),
    });
    if (since === 0 || since > version) {
      const sites = (await tx.registry.sitesOfGateway(gatewayId)).map(toSite);
      return { gatewayId, version: await tx.registry.configVersionOf(gatewayId), full: true, sites, removed: [] };
    }
    const changes = await tx.registry.configChangesSince(gatewayId, since);
    const sites: ManagedSite[] = [];
    const removed: string[] = [];
    for (const change of changes) {
      const record = await tx.registry.getSite(change.siteId);
      if (record && record.gatewayId === gatewayId) sites.push(toSite(record));
      else removed.push(change.siteId);
    }
    const newest = Math.max(since, ...changes.map((c) => c.version));
    return { gatewayId, version: newest, full: false, sites, removed };
  });
}
