import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(name: string, level = process.env.CAREWATCH_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level });
}

/**
 * Logs bad input without flooding (issue: "logged without flooding"): the first few of each
 * reason per interval in full, then one summary line with how many were held back.
 */
export class RateLimitedLog {
  private readonly windows = new Map<string, { start: number; logged: number; held: number }>();

  constructor(private readonly log: Logger, private readonly perInterval = 5, private readonly intervalMs = 60_000) {}

  warn(reason: string, obj: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    let w = this.windows.get(reason);
    if (!w || now - w.start >= this.intervalMs) {
      if (w && w.held > 0) this.log.warn({ reason, held: w.held }, `${w.held} more "${reason}" rejections in the last interval`);
      w = { start: now, logged: 0, held: 0 };
      this.windows.set(reason, w);
    }
    if (w.logged < this.perInterval) {
      w.logged += 1;
      this.log.warn({ reason, ...obj }, msg);
    } else {
      w.held += 1;
    }
  }
}
