import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Counter } from 'prom-client';
import { Backoff } from '../../../contract/backoff.ts';
import type { Alarm, WebhookPayload } from '../../../contract/index.ts';
import { SERVER_ACTOR } from '../alarm-commit.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { PersonalDataSealer } from '../privacy/sealer.ts';
import type { AlarmTimer } from '../store/alarm-timer-store.ts';
import type { ServerStore, Tx } from '../store/types.ts';
import type { EscalationPolicies } from './escalation-policies.ts';
import { type Delivery, iso, type Send } from './timer-state.ts';
import { postWebhook } from './webhook.ts';
import type { AttemptResult } from './webhook.ts';

/** A claimed delivery is retried after its timeout plus this, should this process die mid-attempt. */
const LEASE_MS = 10_000;
/** Attempts recorded per unit of work at most; more wait for the next. */
const RECORD_BATCH = 500;

type Retry = { minMs: number; maxMs: number; maxAttempts: number };

/** An attempt made, waiting to be recorded. */
interface Finished {
  send: Send;
  result: AttemptResult;
  retry: Retry;
  recorded: (error?: unknown) => void;
}

export interface WebhookDeliveriesOptions {
  store: ServerStore;
  policies: EscalationPolicies;
  sealer: PersonalDataSealer;
  clock: () => number;
  log: FastifyBaseLogger;
  metrics: ServerMetrics;
  /** A retry was scheduled: the timer loop should look at the store. */
  wake: () => void;
}

/**
 * Signed webhook messages as `deliver` timers: queued in the unit of work that decides to send
 * them, claimed by the timer loop, attempted after its commit (beside the loop, so a slow receiver
 * holds nothing back), every attempt audited, failures retried with the project's one backoff.
 */
export class WebhookDeliveries {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly finished: Finished[] = [];
  private recording = false;
  private readonly attempts: Counter;

  constructor(private readonly opts: WebhookDeliveriesOptions) {
    this.attempts = new Counter({
      name: 'carewatch_webhook_attempts_total', help: 'Webhook attempts by channel and result (delivered, failed, gave_up).',
      labelNames: ['channel', 'result'], registers: [opts.metrics.registry],
    });
  }

  /** Counts an outcome that made no attempt (no emergency contact confirmed). */
  count(channel: string, result: string): void {
    this.attempts.inc({ channel, result });
  }

  /** Queues one message to a webhook channel, due now. */
  async enqueue(tx: Tx, alarm: Alarm, channel: string, now: number, content: Pick<WebhookPayload, 'type' | 'step' | 'contact'>, details: Record<string, string | number> = {}): Promise<void> {
    const id = `deliver:${randomUUID()}`;
    const payload: WebhookPayload = {
      deliveryId: id.slice('deliver:'.length), at: iso(now), ...content,
      alarm: {
        id: alarm.id, kind: alarm.kind, severity: alarm.severity, siteId: alarm.siteId, status: alarm.status,
        roomId: alarm.roomId, residentId: alarm.residentId, raisedAt: alarm.raisedAt,
      },
    };
    const delivery: Delivery = { channel, attempt: 0, sealed: this.opts.sealer.seal(JSON.stringify(payload), `delivery:${id}`) };
    await tx.timers.put({ id, alarmId: alarm.id, siteId: alarm.siteId, kind: 'deliver', dueAt: now, state: { ...delivery, ...details, type: content.type } });
  }

  /** A due `deliver` timer: claimed in the round's unit of work; the attempt is made after it commits. */
  async claim(tx: Tx, timer: AlarmTimer, now: number, sends: Send[]): Promise<void> {
    const delivery = timer.state as unknown as Delivery;
    const channel = this.opts.policies.channel(delivery.channel);
    if (channel?.kind !== 'webhook') {
      await this.giveUp(tx, timer, delivery, now, `channel ${delivery.channel} is no longer a webhook in the escalation configuration`);
      return;
    }
    // Should this process die mid-attempt, the attempt is made again after the lease.
    await tx.timers.put({ ...timer, dueAt: now + channel.timeoutMs + LEASE_MS });
    sends.push({ timer, delivery, body: this.opts.sealer.open(delivery.sealed, `delivery:${timer.id}`) });
  }

  attempt(send: Send): void {
    const channel = this.opts.policies.channel(send.delivery.channel);
    if (channel?.kind !== 'webhook') return;
    const job = (async () => {
      let result: AttemptResult;
      try {
        result = await postWebhook({
          url: channel.url, secret: this.opts.policies.secretOf(channel), body: send.body,
          deliveryId: send.timer.id.slice('deliver:'.length), timeoutMs: channel.timeoutMs, now: this.opts.clock,
        });
      } catch (error) {
        result = { ok: false, status: null, error: (error as Error).message, ms: 0 };
      }
      await new Promise<void>((resolve, reject) => {
        this.finished.push({ send, result, retry: channel.retry, recorded: (error) => (error === undefined ? resolve() : reject(error)) });
        this.record();
      });
    })().catch((error: unknown) => {
      // The claim's lease brings the delivery back: nothing is lost, but say so.
      this.opts.log.error({ err: error, delivery: send.timer.id }, 'webhook attempt could not be recorded; it will be retried after its lease');
    }).finally(() => {
      this.inFlight.delete(job);
    });
    this.inFlight.add(job);
  }

  /** Attempts under way. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Waits for the attempts under way (each bounded by its timeout). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Records finished attempts: all that finished meanwhile, in one unit of work. Issue 22, "every
   * escalation step fires once": a delivery stays claimed only for its lease (timeout + LEASE_MS);
   * one unit per attempt queued a round's records one by one behind the replicas' single write
   * lock, the last recorded ~11 s after it was sent, and by then another replica had claimed it
   * again and sent it a second time. Recorded together, they reach the store in one unit.
   */
  private record(): void {
    if (this.recording) return;
    this.recording = true;
    void (async () => {
      while (this.finished.length > 0) {
        const batch = this.finished.splice(0, RECORD_BATCH);
        let retrying = false;
        try {
          await this.opts.store.write(async (tx) => {
            for (const f of batch) retrying = (await this.recordOne(tx, f)) || retrying;
          });
          for (const f of batch) f.recorded();
        } catch (error) {
          for (const f of batch) f.recorded(error ?? new Error('the unit of work failed'));
        }
        if (retrying) this.opts.wake();
      }
    })().finally(() => {
      this.recording = false;
      if (this.finished.length > 0) this.record();
    });
  }

  /** One attempt's record, in the unit of work of `record`; true when a retry was scheduled. */
  private async recordOne(tx: Tx, { send, result, retry }: Finished): Promise<boolean> {
    const at = this.opts.clock(); // when recorded, under the write lock (escalation-service.ts runDue)
    const attempt = send.delivery.attempt + 1;
    const current = await tx.timers.get(send.timer.id);
    if (!current) return false; // taken by another replica after our lease ran out, and finished there
    const outcome = result.ok ? 'delivered' : attempt >= retry.maxAttempts ? 'gave_up' : 'failed';
    await tx.audit.append({
      at, actor: SERVER_ACTOR.name, from: null, action: 'alarm.notified', siteId: send.timer.siteId, alarmId: send.timer.alarmId, residentId: null,
      details: {
        channel: send.delivery.channel, delivery: send.timer.id.slice('deliver:'.length), type: String(send.timer.state.type ?? ''),
        attempt, result: outcome, status: result.status, error: result.error, ms: Math.round(result.ms),
      },
    });
    this.attempts.inc({ channel: send.delivery.channel, result: outcome });
    if (outcome === 'failed') {
      const delay = retryDelay(retry, attempt);
      await tx.timers.put({ ...current, dueAt: at + delay, state: { ...current.state, attempt } });
      this.opts.log.warn({ delivery: send.timer.id, channel: send.delivery.channel, attempt, error: result.error, retryInMs: delay }, 'webhook attempt failed; will retry');
      return true;
    }
    await tx.timers.remove(current.id);
    if (outcome === 'gave_up') {
      this.opts.log.error({ delivery: send.timer.id, channel: send.delivery.channel, attempts: attempt, error: result.error, alarmId: send.timer.alarmId }, 'webhook: gave up after its last attempt');
    }
    return false;
  }

  private async giveUp(tx: Tx, timer: AlarmTimer, delivery: Delivery, now: number, why: string): Promise<void> {
    await tx.audit.append({
      at: now, actor: SERVER_ACTOR.name, from: null, action: 'alarm.notified', siteId: timer.siteId, alarmId: timer.alarmId, residentId: null,
      details: { channel: delivery.channel, delivery: timer.id.slice('deliver:'.length), attempt: delivery.attempt, result: 'gave_up', error: why },
    });
    this.attempts.inc({ channel: delivery.channel, result: 'gave_up' });
    this.opts.log.error({ delivery: timer.id, channel: delivery.channel, alarmId: timer.alarmId }, `webhook: ${why}`);
    await tx.timers.remove(timer.id);
  }
}

/** The project's one backoff (contract/backoff.ts): the delay before attempt `attempt + 1`. */
export function retryDelay(retry: { minMs: number; maxMs: number }, attempt: number): number {
  const backoff = new Backoff(retry.minMs, retry.maxMs);
  let delay = 0;
  for (let i = 0; i < attempt; i += 1) delay = backoff.next();
  return delay;
}
