import { monitorEventLoopDelay } from 'node:perf_hooks';
import fp from 'fastify-plugin';

/**
 * Watches the server's own event loop: every ingest, SSE write and API answer waits behind
 * whatever blocks it (a long SQLite statement, a large JSON body, GC). Exposes the worst delay of
 * the last check period as a gauge and logs a stall over `warnMs` when it happens, so a slow alarm
 * can be matched to what held the loop (the gateway has the same watch: gateway/event-loop-watch.ts).
 */
export default fp<{ warnMs?: number; everyMs?: number }>(async (app, opts) => {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  let worst = 0;
  app.metrics.addGauge('carewatch_event_loop_delay_max_ms', 'Worst event-loop delay in the last check period (ms).', () => [[{}, worst]]);
  const warnMs = opts.warnMs ?? 250;
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    histogram.enable();
    timer = setInterval(() => {
      worst = Math.round(histogram.max / 1e5) / 10;
      if (worst > warnMs) app.log.warn({ maxDelayMs: Math.round(worst), p99Ms: Math.round(histogram.percentile(99) / 1e6) }, 'event loop stalled');
      histogram.reset();
    }, opts.everyMs ?? 5000);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    histogram.disable();
  });
}, { name: 'event-loop-watch', fastify: '5.x', dependencies: ['metrics'] });
