import { API_PREFIX, type HeartbeatRequest, HeartbeatResponse, sitesDigest } from '../contract/index.ts';
import type { Logger } from './log.ts';

export interface HeartbeatOptions {
  serverUrl: string;
  token: string;
  everyMs: number;
  log: Logger;
  gatewayId: string;
  /** The sites watched now (the registry's ids). */
  siteIds: () => string[];
  /** Events waiting in the outbox. */
  outboxDepth: () => number;
  startedAt: number;
  /** The server answered a beat (it is reachable, and may name a new configuration version). */
  onAnswer?: (answer: HeartbeatResponse) => void;
  /** A beat got no HTTP answer at all (refused connection, timeout): the server is unreachable. */
  onUnreachable?: (error: string) => void;
}

/**
 * Tells the server this gateway is alive, so the server can raise `gateway.offline` for a silent
 * one (CONTRACT.md "Gateway → server"). A failed beat is only logged: the outbox carries events.
 * The site list goes in full only when it changed since the server last took it (or the server
 * asks for it); otherwise its digest stands for it — a regional gateway watches 10,000 homes.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  /** Digest of the list the server last took in full from us. */
  private taken: string | undefined;

  constructor(private readonly opts: HeartbeatOptions) {}

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.opts.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One heartbeat now; resolves when it was answered (or failed). Exposed for tests. */
  async beat(): Promise<void> {
    const siteIds = this.opts.siteIds();
    const digest = sitesDigest(siteIds);
    const full = digest !== this.taken;
    const body: HeartbeatRequest = {
      gatewayId: this.opts.gatewayId,
      ...(full ? { siteIds } : { sitesDigest: digest }),
      outboxDepth: this.opts.outboxDepth(),
      startedAt: this.opts.startedAt,
    };
    let answered = false;
    try {
      const res = await fetch(`${this.opts.serverUrl}${API_PREFIX}/ingest/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      answered = true;
      const text = await res.text();
      if (!res.ok) {
        this.opts.log.warn({ status: res.status, body: text.slice(0, 300) }, 'heartbeat refused');
        return;
      }
      const answer = HeartbeatResponse.parse(JSON.parse(text));
      if (full) this.taken = digest;
      this.opts.onAnswer?.(answer);
      if (answer.needSites) {
        // The server does not hold our list (a new server, a restored database): send it now.
        this.taken = undefined;
        void this.beat();
      }
    } catch (err) {
      this.opts.log.debug({ err: (err as Error).message }, 'heartbeat failed');
      if (!answered) this.opts.onUnreachable?.((err as Error).message);
    }
  }
}
