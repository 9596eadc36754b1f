import fp from 'fastify-plugin';
import { GatewayWatch } from '../../services/gateway-watch.ts';

declare module 'fastify' {
  interface FastifyInstance {
    gatewayWatch: GatewayWatch;
  }
}

/** Checks for silent gateways a few times per silence period; tests call `check()` themselves. */
export default fp<{ clock: () => number; silenceSec: number }>(async (app, opts) => {
  const silenceMs = opts.silenceSec * 1000;
  const watch = new GatewayWatch({ store: app.store, alarms: app.alarms, clock: opts.clock, silenceMs, watchingSince: opts.clock() });
  app.decorate('gatewayWatch', watch);
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    let checking = false;
    timer = setInterval(() => {
      // One check at a time: a slow store must not pile checks up behind each other.
      if (checking) return;
      checking = true;
      watch.check()
        .catch((error: unknown) => app.log.error({ err: error }, 'gateway silence check failed'))
        .finally(() => { checking = false; });
    }, Math.max(250, Math.min(5000, silenceMs / 3)));
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}, { name: 'gateway-watch', fastify: '5.x', dependencies: ['store', 'alarms'] });
