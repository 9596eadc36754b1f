import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';

/**
 * Watches the gateway's own event loop: every reading, acknowledgement and forwarded event waits
 * behind whatever blocks it. Exposes the worst delay per scrape as a gauge and logs a stall
 * (over `warnMs`) when it happens, so a slow alarm can be matched to what held the loop.
 */
export class EventLoopWatch {
  private histogram: IntervalHistogram | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: { metrics: Metrics; log: Logger; warnMs?: number; everyMs?: number }) {}

  start(): void {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    this.histogram = h;
    const gauge = this.opts.metrics.gauge('carewatch_event_loop_delay_max_ms', 'Worst event-loop delay since the last check (ms)');
    let worst = 0;
    this.opts.metrics.onCollect(() => gauge({}, worst));
    const warnMs = this.opts.warnMs ?? 250;
    this.timer = setInterval(() => {
      worst = h.max / 1e6;
      if (worst > warnMs) this.opts.log.warn({ maxDelayMs: Math.round(worst), p99Ms: Math.round(h.percentile(99) / 1e6) }, 'event loop stalled');
      h.reset();
    }, this.opts.everyMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
    this.timer = undefined;
    this.histogram = undefined;
  }
}
