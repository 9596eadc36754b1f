import { DEFAULT_SEVERITY, type Event } from '../../contract/index.ts';
import type { EventDraft } from '../core/kit/event-draft.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { Backoff } from '../../contract/backoff.ts';
import type { QueuedEvent, UpstreamQueue } from './upstream-queue.ts';

export interface UpstreamLinkDeps {
  queue: UpstreamQueue;
  log: Logger;
  metrics: Metrics;
  /** Stores an event through the outbox (link.receiver_down, gateway.trouble for a refusal). */
  raise: (draft: EventDraft) => void;
  clock?: () => number;
  /** Told of each event a receiver acknowledged, with ms from the event's creation (bench). */
  onDelivered?: (event: Event, ms: number) => void;
}

/** What one try to hand over a queued event came to. */
export type Outcome = 'acknowledged' | 'refused' | 'unreachable';

/**
 * The part every upstream link shares: drain the durable queue one event at a time (both
 * protocols are stop-and-wait), forget an event only when the receiver acknowledged it, back off
 * when no receiver answers, raise `link.receiver_down` once when the link is lost and clear it
 * when an event or link test gets through again, and test an idle link (`supervise`).
 */
export abstract class QueuedLink {
  protected readonly clock: () => number;
  protected stopped = true;
  protected down = false;
  protected lastContact = 0;
  private running = false;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** Capped at 5 s: a receiver that comes back gets the waiting fire alarm within seconds (GB 26875.1: 10 s). */
  private readonly backoff = new Backoff(250, 5_000);
  readonly stats = { delivered: 0, refused: 0, retries: 0, failovers: 0, lastError: null as string | null };
  private readonly count: {
    delivered: (l?: Record<string, string>, by?: number) => void;
    retries: (l?: Record<string, string>, by?: number) => void;
    refused: (l?: Record<string, string>, by?: number) => void;
    up: (l: Record<string, string>, v: number) => void;
  };

  constructor(readonly name: string, protected readonly deps: UpstreamLinkDeps, private readonly troubleSite: string) {
    this.clock = deps.clock ?? Date.now;
    const m = deps.metrics;
    this.count = {
      delivered: m.counter('carewatch_upstream_delivered_total', 'Events a receiving centre acknowledged, by link'),
      retries: m.counter('carewatch_upstream_retries_total', 'Upstream tries that got no acknowledgement, by link and reason'),
      refused: m.counter('carewatch_upstream_refused_total', 'Events a receiving centre refused for good (DC-09 DUH), by link'),
      up: m.gauge('carewatch_upstream_up', 'Upstream link reachable (1) or lost (0), by link'),
    };
  }

  /** Whether this link carries the event (its site, a code for its kind). */
  abstract accepts(event: Event): boolean;
  /** One queued event to the receiver, with the protocol's retries and failover. */
  protected abstract deliver(row: QueuedEvent): Promise<Outcome>;
  /** The link test of an idle link (DC-09 NULL message, GB/T 26875.3 device status). */
  protected abstract supervise(): Promise<boolean>;
  protected abstract supervisionMs(): number;
  protected abstract openChannels(): void;
  protected abstract closeChannels(): void;
  /** Where the receivers are, for the trouble event and logs. */
  protected abstract describe(): Record<string, string>;

  /** Called inside the outbox's append transaction: queue durably, send later. */
  enqueue(event: Event): void {
    // Its own troubles go to the other links: a receiver that refused or is gone can't take them.
    if (event.subject === `link:${this.name}`) return;
    if (this.accepts(event)) this.deps.queue.enqueue(this.name, event);
  }

  start(): void {
    this.stopped = false;
    this.lastContact = this.clock();
    this.openChannels();
    this.count.up({ link: this.name }, 1);
    this.tickTimer = setInterval(() => this.tick(), Math.min(1000, Math.max(50, this.supervisionMs() / 4)));
    this.tickTimer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.closeChannels();
    await this.inFlight?.catch(() => undefined);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    if (this.retryTimer) return; // backing off: the timer runs it
    this.inFlight = this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.stopped) return;
          const row = this.deps.queue.peek(this.name);
          if (!row) break;
          const outcome = await this.deliver(row);
          if (this.stopped) return;
          if (outcome === 'unreachable') { this.lost(); return; }
          this.deps.queue.done(row.n);
          this.reached();
          if (outcome === 'acknowledged') {
            this.stats.delivered += 1;
            this.count.delivered({ link: this.name });
            this.deps.onDelivered?.(row.event, this.clock() - row.event.createdAt);
          } else {
            this.refusedForGood(row.event);
          }
        }
      } while (this.again);
    } catch (err) {
      // A bug, not a lost receiver: say so loudly, keep the event, try again after a pause.
      this.deps.log.error({ err, link: this.name }, 'upstream link failed; events kept in its queue');
      this.lost();
    } finally {
      this.running = false;
    }
  }

  private tick(): void {
    // While lost, the retry timer (backoff) decides when to look again.
    if (this.stopped || this.running || this.retryTimer || this.down) return;
    if (this.deps.queue.peek(this.name)) { this.wake(); return; }
    const every = this.supervisionMs();
    if (every <= 0 || this.clock() - this.lastContact < every) return;
    this.test();
  }

  /** After a backoff: the queue if it has something, else the link test. */
  private retry(): void {
    if (this.stopped) return;
    if (this.deps.queue.peek(this.name)) this.wake();
    else this.test();
  }

  private test(): void {
    this.running = true;
    this.inFlight = this.supervise().then((ok) => {
      if (this.stopped) return;
      if (ok) this.reached();
      else this.lost();
    }, (err: unknown) => {
      this.deps.log.error({ err, link: this.name }, 'upstream link test failed');
      this.lost();
    }).finally(() => {
      this.running = false;
      // Events stored while the test ran: send them now, not at the next tick.
      if (this.again) { this.again = false; this.wake(); }
    });
  }

  protected retried(reason: string, detail: string): void {
    this.stats.retries += 1;
    this.stats.lastError = detail;
    this.count.retries({ link: this.name, reason });
  }

  private reached(): void {
    this.lastContact = this.clock();
    this.backoff.reset();
    if (!this.down) return;
    this.down = false;
    this.count.up({ link: this.name }, 1);
    this.deps.log.warn({ link: this.name, ...this.describe() }, 'upstream link back');
    this.trouble('link.receiver_down', 'clear', {});
  }

  private lost(): void {
    if (this.stopped) return;
    if (!this.down) {
      this.down = true;
      this.count.up({ link: this.name }, 0);
      this.deps.log.error({ link: this.name, ...this.describe(), err: this.stats.lastError }, 'upstream link lost: no receiver answers; events kept in its queue');
      this.trouble('link.receiver_down', 'raise', { error: this.stats.lastError });
    }
    const delay = this.backoff.next();
    this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.retry(); }, delay);
  }

  private refusedForGood(event: Event): void {
    this.stats.refused += 1;
    this.count.refused({ link: this.name });
    this.deps.log.error({ link: this.name, eventId: event.id, kind: event.kind, siteId: event.siteId }, 'receiver refused the event for good (DUH): not sent again');
    this.trouble('gateway.trouble', 'raise', { reason: 'upstream_refused', eventId: event.id, eventKind: event.kind });
  }

  private trouble(kind: 'link.receiver_down' | 'gateway.trouble', action: 'raise' | 'clear', details: Record<string, string | null>): void {
    try {
      this.deps.raise({
        siteId: this.troubleSite,
        kind,
        action,
        severity: DEFAULT_SEVERITY[kind],
        subject: `link:${this.name}`,
        ts: this.clock(),
        details: { link: this.name, ...this.describe(), ...details },
      });
    } catch (err) {
      this.deps.log.error({ err, link: this.name, kind, action }, 'could not store the upstream trouble event');
    }
  }
}
