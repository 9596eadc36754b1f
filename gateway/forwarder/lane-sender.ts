import { Backoff, type Event, type IngestResponse, type Lane, MAX_INGEST_BATCH } from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { type DeliveryTransport, SendError } from './delivery-transport.ts';

const SLOW_SEND_MS = 250;

export interface LaneSenderOptions {
  lane: Lane;
  /** HTTP to the server, or JetStream (delivery-transport.ts). */
  transport: DeliveryTransport;
  outbox: Outbox;
  log: Logger;
  backoff: Backoff;
  /** The server (or the stream) answered a batch, or the part of it handed on before a failure. */
  onAnswer: (batch: readonly Event[], answer: IngestResponse, roundTripMs?: number) => void;
  /** A send failed: the server unreachable (`status` absent), or an HTTP status that is not 200. */
  onFailure: (lane: Lane, error: string, status?: number) => void;
}

/**
 * Sends one lane's events, oldest first, one batch at a time. After a failure it waits out the
 * backoff — unless something urgent comes: a new life-safety event, or a sign the server is back
 * (a heartbeat answered, another lane's batch stored). Then it sends at once (issue 15, defect 7:
 * a fire raised as the server returned waited out a 30 s timer).
 */
export class LaneSender {
  private running = false;
  private stopped = false;
  private again = false;
  /** An urgent wake came while a send was in flight: if that send fails, try once more at once. */
  private urgent = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private abort: AbortController | undefined;

  constructor(private readonly opts: LaneSenderOptions) {}

  get lane(): Lane {
    return this.opts.lane;
  }

  get backingOff(): boolean {
    return this.timer !== undefined;
  }

  /** Something to send. `urgent`: do not wait out a backoff timer for it. */
  wake(urgent = false): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      if (urgent) this.urgent = true;
      return;
    }
    if (this.timer) {
      if (!urgent) return; // backing off: the timer will run it
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.inFlight = this.drain();
  }

  /** The server answered (a heartbeat, another lane): start again from the shortest delay, now. */
  serverBack(): void {
    this.opts.backoff.reset();
    if (this.timer) this.wake(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    await this.inFlight?.catch(() => undefined);
  }

  private async drain(): Promise<void> {
    this.running = true;
    let failure: { message: string; status: number | undefined } | undefined;
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.stopped) return;
          const batch = this.opts.outbox.peek(this.opts.lane, MAX_INGEST_BATCH);
          if (batch.length === 0) break;
          await this.send(batch);
          this.opts.backoff.reset();
        }
      } while (this.again);
      this.urgent = false;
    } catch (err) {
      failure = { message: (err as Error).message, status: err instanceof SendError ? err.status : undefined };
    } finally {
      this.running = false;
    }
    if (!failure || this.stopped) return;
    this.opts.onFailure(this.opts.lane, failure.message, failure.status);
    if (this.urgent && failure.status === undefined) {
      // A life-safety event came while this attempt was failing: it gets its own try now.
      this.urgent = false;
      this.inFlight = this.drain();
    } else {
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = this.opts.backoff.next();
    this.timer = setTimeout(() => { this.timer = undefined; this.wake(); }, delay);
  }

  private async send(batch: Event[]): Promise<void> {
    this.abort = new AbortController();
    const started = performance.now();
    let answer: IngestResponse;
    try {
      answer = await this.opts.transport.send(this.opts.lane, batch, this.abort.signal);
    } catch (err) {
      // JetStream hands events on one at a time: those before the failure are on the stream.
      if (err instanceof SendError && err.partial) this.opts.onAnswer(batch, err.partial);
      throw err;
    }
    const tookMs = performance.now() - started;
    this.opts.onAnswer(batch, answer, tookMs);
    // An alarm should reach the server in milliseconds; a slow answer is worth a line to match against.
    if (tookMs > SLOW_SEND_MS) this.opts.log.warn({ lane: this.opts.lane, events: batch.length, tookMs: Math.round(tookMs), via: this.opts.transport.target.via }, 'slow delivery answer');
  }
}
