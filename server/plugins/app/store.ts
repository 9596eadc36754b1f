import fp from 'fastify-plugin';
import { openServerStore, redact } from '../../services/store/open-store.ts';
import type { ServerStore } from '../../services/store/types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    store: ServerStore;
  }
}

export interface StoreOptions {
  dataDir: string;
  /** `postgres://…` for PostgreSQL (issue 22); empty or `embedded`: `{dataDir}/server.db`. */
  store?: string | undefined;
}

/** The server's store (services/store/open-store.ts), closed with the server. */
export default fp<StoreOptions>(async (app, opts) => {
  const store = await openServerStore(opts.store, opts.dataDir, (error) => app.log.error({ err: error }, 'PostgreSQL store: an idle connection failed; the pool opens a new one'));
  app.log.info({ store: store.kind, ...(store.kind === 'postgres' ? { url: redact(opts.store ?? '') } : {}) }, 'server store open');
  app.decorate('store', store);
  app.addHook('onClose', async () => store.close());
}, { name: 'store', fastify: '5.x' });
