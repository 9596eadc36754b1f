import { API_PREFIX, type HeartbeatRequest } from '../contract/index.ts';
import type { Logger } from './log.ts';

/**
 * Tells the server this gateway is alive, so the server can raise `gateway.offline` for a silent
 * one (CONTRACT.md "Gateway → server"). A failed beat is only logged: the outbox carries events.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: {
    serverUrl: string; token: string; everyMs: number; log: Logger; body: () => HeartbeatRequest;
  }) {}

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.opts.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async beat(): Promise<void> {
    try {
      const res = await fetch(`${this.opts.serverUrl}${API_PREFIX}/ingest/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
        body: JSON.stringify(this.opts.body()),
        signal: AbortSignal.timeout(5000),
      });
      await res.text();
      if (!res.ok) this.opts.log.warn({ status: res.status }, 'heartbeat refused');
    } catch (err) {
      this.opts.log.debug({ err: (err as Error).message }, 'heartbeat failed');
    }
  }
}
