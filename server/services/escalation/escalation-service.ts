import { Histogram } from 'prom-client';
import type { ConfirmResponse } from '../../../contract/index.ts';
import type { AlarmBus } from '../alarm-bus.ts';
import type { AlarmReactor } from '../alarm-commit.ts';
import type { Transition } from '../alarm-lifecycle.ts';
import type { PersonalDataSealer } from '../privacy/sealer.ts';
import type { Tx } from '../store/types.ts';
import { DueTimers, type EscalationContext } from './due-timers.ts';
import type { Round } from './timer-state.ts';
import { TransitionTimers } from './transition-timers.ts';
import { WebhookDeliveries } from './webhook-deliveries.ts';

/**
 * Timers handled per unit of work; more due are taken by the next round at once. A round holds the
 * write lock every replica shares (docs/scale-out.md), so it stays short enough for the other
 * writers (ingest, webhook records) to get in between rounds.
 */
const BATCH = 50;
/** The loop looks at the store at least this often: another replica's timers, a clock that jumped. */
const MAX_SLEEP_MS = 1000;

export interface EscalationServiceOptions extends EscalationContext {
  bus: AlarmBus;
  sealer: PersonalDataSealer;
  /** true: no timer of its own; the caller (a test in controlled time) calls `runDue()`. */
  manual?: boolean;
}

/**
 * Carries an alarm until a person has dealt with it (issue 18): escalation steps on the server's
 * clock, re-signal of stale acknowledgements, emergency contacts in turn, signed webhooks retried
 * with backoff. Every deadline lives in the store (`alarm_timers`), written in the unit of work of
 * the change that set it (transition-timers.ts), so a restart continues each chain where it was —
 * late steps are taken late, never dropped, never restarted from zero — and every step is an
 * audited alarm change (due-timers.ts). This file is the loop that takes what falls due.
 */
export class EscalationService implements AlarmReactor {
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly lateness: Histogram;
  private readonly transitions: TransitionTimers;
  private readonly deliveries: WebhookDeliveries;
  private readonly due: DueTimers;

  constructor(private readonly opts: EscalationServiceOptions) {
    this.transitions = new TransitionTimers(opts.policies);
    this.deliveries = new WebhookDeliveries({ ...opts, wake: () => this.wake() });
    this.due = new DueTimers({ ...opts, transitions: this.transitions, deliveries: this.deliveries });
    this.lateness = new Histogram({
      name: 'carewatch_alarm_timer_lateness_seconds', help: 'How late alarm timers (escalation, re-signal, contact, delivery) ran after their deadline.',
      labelNames: ['kind'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300], registers: [opts.metrics.registry],
    });
    opts.metrics.addGauge('carewatch_alarm_timers', 'Pending alarm timers by kind.', async () => {
      const counts = await opts.store.read((tx) => tx.timers.countByKind());
      return Object.entries(counts).map(([kind, n]) => [{ kind }, n]);
    }, ['kind']);
  }

  /** Inside the transition's unit of work: arms or stops the alarm's timers. */
  onTransition(tx: Tx, transition: Transition, at: number): Promise<void> {
    return this.transitions.onTransition(tx, transition, at);
  }

  /** An emergency contact confirms with the token their message carried: the round stops. */
  confirmContact(alarmId: string, token: string, from: string | null): Promise<ConfirmResponse> {
    return this.due.confirmContact(alarmId, token, from);
  }

  /** After a commit that may have added timers: look at the store now. */
  wake(): void {
    if (this.opts.manual || this.stopped) return;
    this.schedule(0);
  }

  start(): void {
    if (!this.opts.manual) this.schedule(0);
  }

  /** Stops the loop and waits for webhook attempts under way (each bounded by its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    while (this.running || this.deliveries.pending > 0) {
      await this.deliveries.settled();
      if (this.running) await new Promise((r) => setTimeout(r, 5));
    }
  }

  /**
   * Takes every timer due by the clock now, in rounds of BATCH, each round one unit of work.
   * Webhook attempts start after their round commits and run beside the loop, so a slow receiver
   * never holds back the next alarm's step. Resolves when nothing more is due (attempts may still run).
   */
  async runDue(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const round: Round = { changes: [], sends: [] };
          const taken = await this.opts.store.write(async (tx) => {
            // Issue 22, "every escalation step fires once": the clock is read once the unit holds
            // the write lock, not before waiting for it. A round that waited seconds behind other
            // replicas' units would otherwise claim deliveries with a lease already (nearly) run
            // out, and another replica would claim and send them again while this one sent them.
            const now = this.opts.clock();
            const due = await tx.timers.due(now, BATCH);
            for (const timer of due) {
              this.lateness.observe({ kind: timer.kind }, Math.max(0, now - timer.dueAt) / 1000);
              await this.due.handle(tx, timer, now, round);
            }
            return due.length;
          });
          this.opts.bus.publish(round.changes);
          for (const send of round.sends) this.deliveries.attempt(send);
          // A round may have made timers due now (a step's deliveries, a late chain's next step): go again until one takes nothing.
          if (taken === 0) break;
        }
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
    }
  }

  /** Waits for the webhook attempts under way (tests). */
  settled(): Promise<void> {
    return this.deliveries.settled();
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.runDue().catch((error: unknown) => this.opts.log.error({ err: error }, 'alarm timers: a round failed; retrying'))
        .finally(() => this.rearm());
    }, delayMs);
    this.timer.unref();
  }

  private async rearm(): Promise<void> {
    if (this.stopped || this.opts.manual) return;
    try {
      const next = await this.opts.store.read((tx) => tx.timers.nextDue());
      const delay = next === undefined ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(0, next - this.opts.clock()));
      if (!this.stopped) this.schedule(delay);
    } catch (error) {
      this.opts.log.error({ err: error }, 'alarm timers: cannot read the next deadline');
      if (!this.stopped) this.schedule(MAX_SLEEP_MS);
    }
  }
}
