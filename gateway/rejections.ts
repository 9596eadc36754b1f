import type { Transport } from '../contract/index.ts';
import type { Rejected } from '../devices/decoded.ts';
import { type Logger, RateLimitedLog } from './log.ts';
import type { Metrics } from './metrics.ts';

/**
 * Where every piece of bad input ends: counted per transport and reason (exposed as
 * `carewatch_rejected_total`), logged with its reason, never thrown (STYLE.md "Errors").
 */
export class Rejections {
  private readonly count: (labels: Record<string, string>) => void;
  private readonly limited: RateLimitedLog;

  constructor(private readonly metrics: Metrics, log: Logger) {
    this.count = metrics.counter('carewatch_rejected_total', 'Inputs refused, by transport and reason');
    this.limited = new RateLimitedLog(log);
  }

  record(transport: Transport | 'http', rejected: Rejected, context: Record<string, unknown> = {}): void {
    this.count({ transport, reason: rejected.reason });
    this.limited.warn(`${transport}:${rejected.reason}`, { transport, detail: rejected.detail, ...context }, `refused input: ${rejected.reason}: ${rejected.detail}`);
  }

  total(transport: Transport | 'http', reason: Rejected['reason']): number {
    return this.metrics.value('carewatch_rejected_total', { transport, reason });
  }
}
