import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { DEFAULT_RETENTION, RetentionSweep } from '../../services/privacy/retention-sweep.ts';
import type { RetentionPolicy } from '../../services/privacy/retention-sweep.ts';

declare module 'fastify' {
  interface FastifyInstance {
    retention: RetentionSweep;
  }
}

/** Hourly: enough for records kept for years, and sessions gone within the hour after they end. */
const SWEEP_EVERY_MS = 3600_000;

export default fp<{ clock: () => number; policy?: Partial<RetentionPolicy> | undefined }>(async (app, opts) => {
  const pruned = new Counter({
    name: 'carewatch_retention_pruned_total', help: 'Records dropped by the retention sweep, by kind.', labelNames: ['kind'], registers: [app.metrics.registry],
  });
  const sweep = new RetentionSweep({
    store: app.store, clock: opts.clock, policy: { ...DEFAULT_RETENTION, ...opts.policy }, everyMs: SWEEP_EVERY_MS,
    swept: (r) => {
      for (const [kind, n] of Object.entries(r)) if (n > 0) pruned.inc({ kind }, n);
      if (r.audit > 0) app.log.info(r, 'retention sweep dropped records past their time');
    },
    failed: (error) => app.log.error({ err: error }, 'retention sweep failed; it runs again within the hour'),
  });
  app.decorate('retention', sweep);
  app.addHook('onReady', async () => sweep.start());
  app.addHook('onClose', async () => sweep.stop());
}, { name: 'retention', fastify: '5.x', dependencies: ['store', 'metrics'] });
