import { Backoff, type DeliveryTarget, type Event, type ForwarderStats, type IngestRefusal, type IngestResponse, type Lane, Lane as LaneEnum } from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import { ALARM_HOP_HELP, ALARM_HOP_METRIC, Metrics } from '../metrics.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { DeliveryTransport } from './delivery-transport.ts';
import { HttpTransport } from './http-transport.ts';
import { LaneSender } from './lane-sender.ts';
import { ParkedTrouble, type TroubleMemory } from './parked-trouble.ts';

/**
 * The longest wait between two tries while the server is unreachable. A backlog waiting when the
 * server returns (with nothing new to send it at once) waits at most this: GB 26875.1 asks a fire
 * alarm at the centre within 10 s, so not the 30 s this was. A retry is one small request.
 */
const RETRY_MAX_MS = 5_000;

export interface ForwarderOptions {
  serverUrl: string;
  gatewayId: string;
  token: string;
  /** Where batches go; default HTTP to `serverUrl` with `token` (JetStream: jetstream-transport.ts). */
  transport?: DeliveryTransport;
  outbox: Outbox;
  /** Where the trouble raised about parked events is remembered (store/sqlite-trouble-memory.ts). */
  troubleMemory: TroubleMemory;
  log: Logger;
  metrics?: Metrics;
  /** Backoff after a failed send (contract/backoff.ts): doubles from min to max, with jitter. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** HTTP only: how long one ingest request may take. */
  requestTimeoutMs?: number;
  /**
   * Parked events are offered again this often, as the server's provisioning may have changed
   * (a hot-added home provisioned since); also at start and on `reoffer()`. 0 turns the timer off.
   */
  reofferEveryMs?: number;
  clock?: () => number;
  /** `stats.unreachableSince` changed (the local alarm page's banner and sounders). */
  onReach?: (unreachableSince: number | null) => void;
}

/**
 * Sends outbox events to the server, at least once, with their ids (the server keeps each id once,
 * so a retry is harmless) — over HTTP, or through a durable JetStream stream (`transport`). One sender per lane runs on its own connection, so a life-safety event
 * never waits behind a telemetry batch already in flight (CONTRACT.md: life-safety overtakes any backlog).
 *
 * Events the server refuses are parked — kept on disk, logged, counted, listed on the status page,
 * reported as the gateway's own trouble — and the lane moves on (issue 15, defect 1): the order of
 * one device's accepted events is kept, as each lane still sends oldest first.
 */
export class Forwarder {
  readonly stats: ForwarderStats = { sent: 0, duplicates: 0, failures: 0, parked: 0, lastError: null, lastSuccessAt: null, unreachableSince: null };
  private readonly senders: LaneSender[];
  private readonly transport: DeliveryTransport;
  private readonly trouble: ParkedTrouble;
  private readonly clock: () => number;
  private readonly timeHop: (labels: Record<string, string>, seconds: number) => void;
  private readonly count: {
    sent: (labels?: Record<string, string>, by?: number) => void;
    parked: (labels?: Record<string, string>, by?: number) => void;
    failures: (labels?: Record<string, string>, by?: number) => void;
    reoffered: (labels?: Record<string, string>, by?: number) => void;
  };
  private unsubscribe: (() => void) | undefined;
  private reofferTimer: NodeJS.Timeout | undefined;
  /** Last refusal (403) logged, so a refusing server is one line a minute, not one per retry. */
  private refusalLoggedAt = 0;
  private configVersion: number | undefined;

  constructor(private readonly opts: ForwarderOptions) {
    this.clock = opts.clock ?? Date.now;
    const metrics = opts.metrics ?? new Metrics();
    this.count = {
      sent: metrics.counter('carewatch_forwarder_events_total', 'Events the server answered for, by lane and result (stored, duplicate)'),
      parked: metrics.counter('carewatch_forwarder_parked_total', 'Events the server refused and the gateway parked, by lane and refusal code'),
      failures: metrics.counter('carewatch_forwarder_failures_total', 'Failed sends, by lane and reason (unreachable, refused, http)'),
      reoffered: metrics.counter('carewatch_forwarder_reoffered_total', 'Parked events offered to the server again'),
    };
    this.timeHop = metrics.summary(ALARM_HOP_METRIC, ALARM_HOP_HELP, ['hop']);
    this.trouble = new ParkedTrouble({ outbox: opts.outbox, memory: opts.troubleMemory, gatewayId: opts.gatewayId, log: opts.log, clock: this.clock });
    this.transport = opts.transport ?? new HttpTransport({
      serverUrl: opts.serverUrl, gatewayId: opts.gatewayId, token: opts.token, requestTimeoutMs: opts.requestTimeoutMs ?? 10_000,
    });
    this.senders = LaneEnum.options.map((lane) => new LaneSender({
      lane,
      transport: this.transport,
      outbox: opts.outbox,
      log: opts.log,
      backoff: new Backoff(opts.retryMinMs ?? 200, opts.retryMaxMs ?? RETRY_MAX_MS),
      onAnswer: (batch, answer, roundTripMs) => this.answered(lane, batch, answer, roundTripMs),
      onFailure: (l, error, status) => this.failed(l, error, status),
    }));
  }

  /** Where events go (the status page). */
  get target(): DeliveryTarget {
    return this.transport.target;
  }

  start(): void {
    this.transport.start({
      refused: (event, refusal, refusals, servedSite) => this.refusedLater(event, refusal, refusals, servedSite),
      storedAfterRefusal: (siteId) => {
        this.trouble.noteServed([siteId]);
        this.trouble.settled();
      },
    });
    // A new life-safety event is sent at once, even while its lane waits out a backoff (defect 7).
    this.unsubscribe = this.opts.outbox.onAppend((lane) => this.sender(lane).wake(lane === 'life_safety'));
    this.reoffer('start');
    for (const s of this.senders) s.wake(); // what waits in the outbox from before a restart
    const every = this.opts.reofferEveryMs ?? 60_000;
    if (every > 0) this.reofferTimer = setInterval(() => this.reoffer('timer'), every);
  }

  /**
   * The server answered a heartbeat: whatever waits out a backoff is sent now (defect 7). A new
   * configuration version means provisioning changed: parked events are offered again.
   */
  serverAnswered(configVersion?: number): void {
    this.reachable();
    for (const s of this.senders) s.serverBack();
    if (configVersion === undefined || configVersion === this.configVersion) return;
    const first = this.configVersion === undefined;
    this.configVersion = configVersion;
    if (!first) this.reoffer('server configuration changed');
  }

  /** Offers the parked events again (provisioning may have changed); returns how many. */
  reoffer(why: string): number {
    const n = this.opts.outbox.reoffer();
    if (n === 0) return 0;
    this.count.reoffered({}, n);
    this.opts.log.info({ events: n, why }, 'parked events offered to the server again');
    for (const s of this.senders) s.wake(true);
    return n;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.reofferTimer) clearInterval(this.reofferTimer);
    this.reofferTimer = undefined;
    await Promise.all(this.senders.map((s) => s.stop()));
    await this.transport.stop();
  }

  private sender(lane: Lane): LaneSender {
    return this.senders.find((s) => s.lane === lane)!;
  }

  private answered(lane: Lane, batch: readonly Event[], answer: IngestResponse, roundTripMs?: number): void {
    const parked = this.opts.outbox.settle(answer.stored, answer.refused);
    const stored = new Set(answer.stored);
    if (lane === 'life_safety') {
      const now = this.clock();
      for (const e of batch) if (stored.has(e.id)) this.timeHop({ hop: 'outbox_to_answer' }, (now - e.createdAt) / 1000);
      if (roundTripMs !== undefined) this.timeHop({ hop: 'send_round_trip' }, roundTripMs / 1000);
    }
    const fresh = answer.stored.length - answer.duplicates;
    this.stats.sent += fresh;
    this.stats.duplicates += answer.duplicates;
    this.count.sent({ lane, result: 'stored' }, fresh);
    if (answer.duplicates > 0) this.count.sent({ lane, result: 'duplicate' }, answer.duplicates);
    this.stats.lastSuccessAt = this.clock();
    // A stream's ack says nothing of the server: the heartbeat tells whether it answers (JetStream).
    if (this.transport.answersForServer) this.reachable(lane);
    // Through JetStream these sites' events were handed on, not yet stored; a refused site is left out when the trouble picks one.
    this.trouble.noteServed(new Set(batch.filter((e) => stored.has(e.id)).map((e) => e.siteId)));
    if (parked.length > 0) this.parkedNow(lane, parked, answer);
    this.trouble.settled();
    // The server answers: the other lanes need not wait out their backoff either.
    for (const s of this.senders) if (s.lane !== lane) s.serverBack();
  }

  /** The server refused an event the stream took earlier (JetStream): parked as a refusal in an answer is. */
  private refusedLater(event: Event, refusal: IngestRefusal, refusals: number, servedSite: string | undefined): void {
    if (!this.opts.outbox.returnRefused(event, refusal, refusals)) return; // told twice
    if (servedSite !== undefined) this.trouble.noteServed([servedSite]);
    const lane = LaneEnum.safeParse(event.lane).success ? event.lane : 'alarm';
    this.parkedNow(lane, [event], { stored: [], duplicates: 0, refused: [refusal] });
  }

  private parkedNow(lane: Lane, parked: readonly Event[], answer: IngestResponse): void {
    this.stats.parked += parked.length;
    const byCode = new Map<string, number>();
    const codeOf = new Map(answer.refused.map((r) => [r.id, r.code]));
    for (const e of parked) byCode.set(codeOf.get(e.id)!, (byCode.get(codeOf.get(e.id)!) ?? 0) + 1);
    for (const [code, n] of byCode) this.count.parked({ lane, code }, n);
    const critical = parked.filter((e) => e.severity === 'critical').length;
    const first = answer.refused.find((r) => r.id === parked[0]!.id);
    this.opts.log.error(
      { lane, parked: parked.length, critical, sites: [...new Set(parked.map((e) => e.siteId))].slice(0, 20), first },
      'server refused events; parked in the outbox (listed on the status page) and offered again later',
    );
    this.trouble.parked(parked, answer.refused, this.opts.outbox.parked(0).total);
  }

  private failed(lane: Lane, error: string, status: number | undefined): void {
    this.stats.failures += 1;
    this.stats.lastError = error;
    if (status === 403 || status === 401) {
      // The server answered and refused this gateway: wrong gateway id or token, not an outage.
      this.count.failures({ lane, reason: 'refused' });
      if (this.clock() - this.refusalLoggedAt >= 60_000) {
        this.refusalLoggedAt = this.clock();
        this.opts.log.error({ lane, status, gatewayId: this.opts.gatewayId, err: error },
          'server refused this gateway (check --gateway-id and the token); events kept in the outbox');
      }
      return;
    }
    if (status !== undefined) {
      this.count.failures({ lane, reason: 'http' });
      this.opts.log.warn({ lane, status, err: error }, 'ingest failed; events kept in the outbox');
      return;
    }
    this.count.failures({ lane, reason: 'unreachable' });
    this.unreachable(lane, error);
  }

  /**
   * The server could not be reached by something else than a send (a heartbeat): with nothing to
   * send, the outage would otherwise go unnoticed until the next alarm (the local page's banner).
   */
  serverUnreachable(error: string): void {
    this.unreachable('heartbeat', error);
  }

  private unreachable(via: string, error: string): void {
    if (this.stats.unreachableSince !== null) return;
    this.stats.unreachableSince = this.clock();
    this.opts.log.warn({ via, err: error }, 'server unreachable; events kept in the outbox');
    this.opts.onReach?.(this.stats.unreachableSince);
  }

  private reachable(via = 'heartbeat'): void {
    if (this.stats.unreachableSince === null) return;
    this.opts.log.info({ via, downMs: this.clock() - this.stats.unreachableSince }, 'server reachable again; sending the outbox');
    this.stats.unreachableSince = null;
    this.opts.onReach?.(null);
  }
}
