import fp from 'fastify-plugin';
import { ChangeBus } from '../../services/change-bus.ts';
import { ResidentDirectory } from '../../services/privacy/resident-directory.ts';
import { RegionTree } from '../../services/region-tree.ts';
import type { ProvisioningChange } from '../../services/registry/provisioning-change.ts';
import { RegionService } from '../../services/registry/region-service.ts';
import { SiteRegistry } from '../../services/registry/site-registry.ts';
import { ScopeIndex } from '../../services/scope-index.ts';
import { ScopeService } from '../../services/scope.ts';
import type { ServerStore } from '../../services/store/types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** What every principal may see (server/services/scope.ts): every route, filter and stream asks it. */
    scope: ScopeService;
    /** Sites with their documents, devices and gateways. */
    sites: SiteRegistry;
    regions: RegionService;
    /** Committed provisioning changes (regions, sites, accounts), for caches, streams and waiting gateways. */
    provisioning: ChangeBus<ProvisioningChange>;
    /** Residents' personal fields; every read is audited. */
    residents: ResidentDirectory;
  }
}

/**
 * Another replica's changes are seen within this even when no bus message told of them (the bus is
 * in-process, or a NATS message was lost in a reconnect); with NATS they come at once (issue 22).
 */
const VERSION_CHECK_MS = 5000;

export async function loadScopeIndex(store: ServerStore): Promise<ScopeIndex> {
  return store.read(async (tx) => {
    const [regions, sites, version] = await Promise.all([tx.registry.regions(), tx.registry.siteRefs(), tx.registry.version()]);
    return new ScopeIndex(new RegionTree(regions), sites, version);
  });
}

export default fp<{ clock: () => number }>(async (app, opts) => {
  const bus = new ChangeBus<ProvisioningChange>();
  const scope = new ScopeService(await loadScopeIndex(app.store), () => loadScopeIndex(app.store));
  // Scope first, then the bus: when an admin's request is answered, this server already sees the change.
  const committed = async (change: ProvisioningChange): Promise<void> => {
    await scope.refresh();
    bus.publish([change]);
    app.replicaBus.send('provisioning', change);
  };
  // Another replica's change: the same order as our own (scope first, then the waiting gateways and streams).
  const stopReceiving = app.replicaBus.receive('provisioning', (message) => {
    const change = message as ProvisioningChange;
    if (typeof change?.version !== 'number' || !Array.isArray(change.gateways) || !Array.isArray(change.accounts)) return;
    scope.refresh()
      .then(() => bus.publish([change]))
      .catch((error: unknown) => app.log.error({ err: error }, 'provisioning change from another replica: scope refresh failed; the version check retries'));
  });
  app.decorate('scope', scope);
  app.decorate('provisioning', bus);
  app.decorate('regions', new RegionService({ store: app.store, sealer: app.sealer, clock: opts.clock, committed }));
  const sites = new SiteRegistry({
    store: app.store, sealer: app.sealer, clock: opts.clock, committed,
    // Decorated by the auth plugin, which registers after this one; asked only once the server runs.
    gatewayExists: async (id, tx) => app.tokens.hasGateway(id) || (await tx.identity.getMachine(id))?.kind === 'gateway',
  });
  app.decorate('sites', sites);
  app.decorate('residents', new ResidentDirectory({ store: app.store, sites, clock: opts.clock }));

  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    let checking = false;
    timer = setInterval(() => {
      if (checking) return;
      checking = true;
      app.store.read((tx) => tx.registry.version())
        .then(async (version) => {
          if (version <= scope.current.version) return;
          // Changed by another replica: which gateways and accounts is not known here, so tell everyone.
          await scope.refresh();
          bus.publish([{ version, what: 'sites', gateways: ['*'], accounts: ['*'] }]);
        })
        .catch((error: unknown) => app.log.error({ err: error }, 'provisioning version check failed'))
        .finally(() => { checking = false; });
    }, VERSION_CHECK_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    stopReceiving();
  });
}, { name: 'registry', fastify: '5.x', dependencies: ['store', 'privacy', 'bus'] });
