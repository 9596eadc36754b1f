import fp from 'fastify-plugin';
import { openSqliteStore } from '../../services/store/sqlite-store.ts';
import type { ServerStore } from '../../services/store/types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    store: ServerStore;
  }
}

/** The embedded store under `{dataDir}/server.db`, closed with the server. */
export default fp<{ dataDir: string }>(async (app, opts) => {
  const store = openSqliteStore(opts.dataDir);
  app.decorate('store', store);
  app.addHook('onClose', async () => store.close());
}, { name: 'store', fastify: '5.x' });
