import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import type { Alarm, ConfirmResponse, EscalationStep, Resident, SiteFile } from '../../../contract/index.ts';
import { notFound } from '../../http-error.ts';
import type { AlarmBus } from '../alarm-bus.ts';
import { commitTransition, SERVER_ACTOR } from '../alarm-commit.ts';
import type { AlarmReactor } from '../alarm-commit.ts';
import { escalate, resignal } from '../alarm-lifecycle.ts';
import type { Transition } from '../alarm-lifecycle.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { PersonalDataSealer } from '../privacy/sealer.ts';
import type { AlarmTimer } from '../store/alarm-timer-store.ts';
import type { ServerStore, StoredAlarmChange, Tx } from '../store/types.ts';
import type { EscalationPolicies } from './escalation-config.ts';
import { WebhookDeliveries } from './webhook-deliveries.ts';
import type { Send } from './webhook-deliveries.ts';

/**
 * Timers handled per unit of work; more due are taken by the next round at once. A round holds the
 * write lock every replica shares (docs/scale-out.md), so it stays short enough for the other
 * writers (ingest, webhook records) to get in between rounds.
 */
const BATCH = 50;
/** The loop looks at the store at least this often: another replica's timers, a clock that jumped. */
const MAX_SLEEP_MS = 1000;
/** Confirmations are accepted this long after the last contact was tried. */
const LATE_CONFIRM_MS = 24 * 3600_000;

export interface EscalationServiceOptions {
  store: ServerStore;
  bus: AlarmBus;
  policies: EscalationPolicies;
  sealer: PersonalDataSealer;
  /** The site's document (residents and their contacts), opened. */
  siteDocument: (siteId: string) => Promise<SiteFile | undefined>;
  clock: () => number;
  log: FastifyBaseLogger;
  metrics: ServerMetrics;
  /** Where a contact confirms (absolute URL of `POST /api/v1/alarms/{id}/confirm`). */
  confirmUrl: (alarmId: string) => string;
  /** true: no timer of its own; the caller (a test in controlled time) calls `runDue()`. */
  manual?: boolean;
}

/** The escalation chain as persisted in an `escalate` timer (and stashed in `resignal` while acknowledged). */
interface Chain {
  steps: EscalationStep[];
  /** Index of the next step to take. */
  level: number;
  /** When step times count from (the raise; moved on a re-signal so the remaining gaps stay). */
  startedAt: number;
}

interface ContactRound {
  channel: string;
  /** Contacts tried so far. */
  tried: number;
  /** SHA-256 (hex) of each token issued, with the contact's position (1-based). */
  tokens: Array<{ hash: string; position: number }>;
  done?: boolean;
}

/**
 * Carries an alarm until a person has dealt with it (issue 18): escalation steps on the server's
 * clock, re-signal of stale acknowledgements, emergency contacts in turn, signed webhooks retried
 * with backoff. Every deadline lives in the store (`alarm_timers`), written in the unit of work of
 * the change that set it, so a restart continues each chain where it was — late steps are taken
 * late, never dropped, never restarted from zero — and every step is an audited alarm change.
 */
export class EscalationService implements AlarmReactor {
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly steps: Counter;
  private readonly webhooks: WebhookDeliveries;
  private readonly lateness: Histogram;

  constructor(private readonly opts: EscalationServiceOptions) {
    const registers = [opts.metrics.registry];
    this.steps = new Counter({ name: 'carewatch_escalation_steps_total', help: 'Escalation steps taken, by step label.', labelNames: ['label'], registers });
    this.webhooks = new WebhookDeliveries({ ...opts, wake: () => this.wake() });
    this.lateness = new Histogram({
      name: 'carewatch_alarm_timer_lateness_seconds', help: 'How late alarm timers (escalation, re-signal, contact, delivery) ran after their deadline.',
      labelNames: ['kind'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300], registers,
    });
    opts.metrics.addGauge('carewatch_alarm_timers', 'Pending alarm timers by kind.', async () => {
      const counts = await opts.store.read((tx) => tx.timers.countByKind());
      return Object.entries(counts).map(([kind, n]) => [{ kind }, n]);
    }, ['kind']);
  }

  // ---- reacting to transitions, inside their unit of work

  async onTransition(tx: Tx, transition: Transition, at: number): Promise<void> {
    const { alarm, change } = transition;
    const escalateId = `escalate:${alarm.id}`;
    const resignalId = `resignal:${alarm.id}`;
    switch (change) {
      case 'raised': {
        // A new alarm, or one whose condition came back after clearing: it needs a person again.
        await tx.timers.remove(resignalId);
        if (await tx.timers.get(escalateId)) return;
        const rule = this.opts.policies.ruleFor(alarm);
        if (rule) await this.putChain(tx, alarm, { steps: rule.steps, level: 0, startedAt: at });
        return;
      }
      case 'acked': {
        // Someone has it: the chain stops (its place kept for a re-signal), the re-signal is armed.
        const chainTimer = await tx.timers.get(escalateId);
        await tx.timers.remove(escalateId);
        if (alarm.status !== 'active_ack') return;
        const chain = chainTimer ? (chainTimer.state as unknown as Chain) : null;
        await tx.timers.put({ id: resignalId, alarmId: alarm.id, siteId: alarm.siteId, kind: 'resignal', dueAt: at + this.resignalMs(alarm), state: { chain } });
        return;
      }
      case 'cleared':
        // Reset at the call point: nothing to re-signal.
        if (alarm.status === 'cleared_ack') await tx.timers.remove(resignalId);
        return;
      case 'attended': {
        // Presence holds the re-signal; when staff leave, the acknowledgement has its full time again.
        const pending = await tx.timers.get(resignalId);
        if (pending && alarm.attendedBy === null) await tx.timers.put({ ...pending, dueAt: at + this.resignalMs(alarm) });
        return;
      }
      case 'resolved':
        for (const timer of await tx.timers.ofAlarm(alarm.id, ['escalate', 'resignal', 'contact'])) {
          if (timer.kind === 'contact') await tx.timers.put({ ...timer, dueAt: at + LATE_CONFIRM_MS, state: { ...timer.state, done: true } });
          else await tx.timers.remove(timer.id);
        }
        return;
      default:
        return;
    }
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
    while (this.running) await new Promise((r) => setTimeout(r, 5));
    await this.webhooks.settled();
  }

  // ---- the loop

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
          const changes: StoredAlarmChange[] = [];
          const sends: Send[] = [];
          const taken = await this.opts.store.write(async (tx) => {
            // Issue 22, "every escalation step fires once": the clock is read once the unit holds
            // the write lock, not before waiting for it. A round that waited seconds behind other
            // replicas' units would otherwise claim deliveries with a lease already (nearly) run
            // out, and another replica would claim and send them again while this one sent them.
            const now = this.opts.clock();
            const due = await tx.timers.due(now, BATCH);
            for (const timer of due) {
              this.lateness.observe({ kind: timer.kind }, Math.max(0, now - timer.dueAt) / 1000);
              await this.handle(tx, timer, now, changes, sends);
            }
            return due.length;
          });
          this.opts.bus.publish(changes);
          for (const send of sends) this.webhooks.attempt(send);
          // A round may have made timers due now (a step's deliveries, a late chain's next step): go again until one takes nothing.
          if (taken === 0) break;
        }
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
    }
  }

  /** Waits for the webhook attempts under way (tests). */
  async settled(): Promise<void> {
    await this.webhooks.settled();
  }

  private async handle(tx: Tx, timer: AlarmTimer, now: number, changes: StoredAlarmChange[], sends: Send[]): Promise<void> {
    if (timer.kind === 'deliver') {
      const send = await this.webhooks.claim(tx, timer, now);
      if (send) sends.push(send);
      return;
    }
    const alarm = await tx.alarms.get(timer.alarmId);
    if (!alarm) {
      await tx.timers.remove(timer.id);
      return;
    }
    if (timer.kind === 'escalate') await this.takeStep(tx, timer, alarm, now, changes, sends);
    else if (timer.kind === 'resignal') await this.resignal(tx, timer, alarm, now, changes);
    else await this.nextContact(tx, timer, alarm, now);
  }

  private async takeStep(tx: Tx, timer: AlarmTimer, alarm: Alarm, now: number, changes: StoredAlarmChange[], sends: Send[]): Promise<void> {
    const chain = timer.state as unknown as Chain;
    const step = chain.steps[chain.level];
    const transition = step ? escalate(alarm, chain.level + 1, step.label, iso(now)) : undefined;
    if (!step || !transition) {
      await tx.timers.remove(timer.id);
      return;
    }
    changes.push(await commitTransition(tx, transition, now, SERVER_ACTOR, {
      level: chain.level + 1, label: step.label, channels: step.notify.join(','), dueAt: timer.dueAt, lateMs: now - timer.dueAt,
    }));
    this.steps.inc({ label: step.label });
    this.opts.log.info({ alarmId: alarm.id, siteId: alarm.siteId, kind: alarm.kind, level: chain.level + 1, label: step.label, lateMs: now - timer.dueAt }, 'alarm escalated');
    for (const name of step.notify) {
      const channel = this.opts.policies.channel(name);
      if (channel?.kind === 'webhook') {
        await this.webhooks.enqueue(tx, transition.alarm, name, now, { type: 'alarm.escalated', step: { level: chain.level + 1, label: step.label } });
      } else if (channel?.kind === 'contacts') {
        const id = `contact:${alarm.id}`;
        if (!(await tx.timers.get(id))) {
          const round: ContactRound = { channel: name, tried: 0, tokens: [] };
          await tx.timers.put({ id, alarmId: alarm.id, siteId: alarm.siteId, kind: 'contact', dueAt: now, state: { ...round } });
        }
      }
      // `stream`: the `escalated` change itself is the message, to everyone whose scope holds the site.
    }
    const next = chain.level + 1;
    if (next < chain.steps.length) {
      await tx.timers.put({ ...timer, dueAt: chain.startedAt + chain.steps[next]!.afterSec * 1000, state: { ...chain, level: next } });
    } else {
      await tx.timers.remove(timer.id);
    }
  }

  private async resignal(tx: Tx, timer: AlarmTimer, alarm: Alarm, now: number, changes: StoredAlarmChange[]): Promise<void> {
    if (alarm.status !== 'active_ack') {
      await tx.timers.remove(timer.id);
      return;
    }
    if (alarm.attendedBy !== null) {
      // Staff are with the resident: hold, and look again after another period.
      await tx.timers.put({ ...timer, dueAt: now + this.resignalMs(alarm) });
      return;
    }
    const transition = resignal(alarm, iso(now));
    await tx.timers.remove(timer.id);
    if (!transition) return;
    changes.push(await commitTransition(tx, transition, now, SERVER_ACTOR, {
      ackedBy: alarm.ackedBy, ackedAt: alarm.ackedAt, afterSec: this.resignalMs(alarm) / 1000,
    }));
    this.opts.log.warn({ alarmId: alarm.id, siteId: alarm.siteId, ackedBy: alarm.ackedBy }, 'acknowledged alarm not cleared in time: re-signalled');
    // The chain goes on from the step it had reached, with the gaps between steps as configured.
    const chain = (timer.state as { chain: Chain | null }).chain;
    if (chain && chain.level < chain.steps.length) {
      const gapSec = chain.steps[chain.level]!.afterSec - (chain.level > 0 ? chain.steps[chain.level - 1]!.afterSec : 0);
      const dueAt = now + gapSec * 1000;
      await this.putChain(tx, transition.alarm, { ...chain, startedAt: dueAt - chain.steps[chain.level]!.afterSec * 1000 });
    } else if (!chain) {
      const rule = this.opts.policies.ruleFor(alarm);
      if (rule) await this.putChain(tx, transition.alarm, { steps: rule.steps, level: 0, startedAt: now });
    }
  }

  private async nextContact(tx: Tx, timer: AlarmTimer, alarm: Alarm, now: number): Promise<void> {
    const round = timer.state as unknown as ContactRound;
    if (round.done) {
      await tx.timers.remove(timer.id); // confirmations are no longer taken
      return;
    }
    const channel = this.opts.policies.channel(round.channel);
    const contacts = await this.contactsOf(alarm);
    if (channel?.kind !== 'contacts' || round.tried >= contacts.length) {
      await tx.audit.append({
        at: now, actor: SERVER_ACTOR.name, from: null, action: 'alarm.notified', siteId: alarm.siteId, alarmId: alarm.id, residentId: alarm.residentId,
        details: { channel: round.channel, result: 'no_contact_confirmed', tried: round.tried },
      });
      this.webhooks.count(round.channel, 'no_contact_confirmed');
      this.opts.log.warn({ alarmId: alarm.id, siteId: alarm.siteId, tried: round.tried }, 'emergency contacts: none confirmed');
      await tx.timers.put({ ...timer, dueAt: now + LATE_CONFIRM_MS, state: { ...round, done: true } });
      return;
    }
    const { contact, residentId } = contacts[round.tried]!;
    const position = round.tried + 1;
    const token = randomBytes(24).toString('base64url');
    // Reading a contact's name and phone is a view of personal data (PIPL art. 28): recorded.
    await tx.audit.append({
      at: now, actor: SERVER_ACTOR.name, from: null, action: 'resident.viewed', siteId: alarm.siteId, alarmId: alarm.id, residentId,
      details: { purpose: 'emergency contact call', position },
    });
    await this.webhooks.enqueue(tx, alarm, channel.via, now, {
      type: 'alarm.contact',
      contact: {
        name: contact.name, phone: contact.phone, ...(contact.relation ? { relation: contact.relation } : {}), position,
        confirmUrl: this.opts.confirmUrl(alarm.id), token,
      },
    }, { contactOf: round.channel, position });
    const next: ContactRound = { ...round, tried: position, tokens: [...round.tokens, { hash: sha256(token), position }] };
    await tx.timers.put({ ...timer, dueAt: now + channel.confirmWithinSec * 1000, state: { ...next } });
  }

  /** An emergency contact confirms with the token their message carried: the round stops. */
  async confirmContact(alarmId: string, token: string, from: string | null): Promise<ConfirmResponse> {
    const at = this.opts.clock();
    const hash = sha256(token);
    return this.opts.store.write(async (tx) => {
      const timer = await tx.timers.get(`contact:${alarmId}`);
      const round = timer?.state as unknown as ContactRound | undefined;
      const match = round?.tokens.find((t) => safeEqual(t.hash, hash));
      // One answer for every miss: a guesser learns nothing about which alarms exist.
      if (!timer || !match) throw notFound('no contact call waits for this token');
      await tx.timers.remove(timer.id);
      const alarm = await tx.alarms.get(alarmId);
      await tx.audit.append({
        at, actor: `contact:${match.position}`, from, action: 'alarm.contact_confirmed', siteId: timer.siteId, alarmId,
        residentId: alarm?.residentId ?? null, details: { channel: round!.channel, position: match.position },
      });
      return { alarmId, confirmed: true as const, contact: match.position };
    });
  }

  // ---- helpers

  private async putChain(tx: Tx, alarm: Alarm, chain: Chain): Promise<void> {
    const step = chain.steps[chain.level];
    if (!step) return;
    await tx.timers.put({
      id: `escalate:${alarm.id}`, alarmId: alarm.id, siteId: alarm.siteId, kind: 'escalate',
      dueAt: chain.startedAt + step.afterSec * 1000, state: { ...chain },
    });
  }

  private resignalMs(alarm: Alarm): number {
    return this.opts.policies.policyFor(alarm.siteId).resignalAfterSec * 1000;
  }

  /** The alarm's resident's contacts; for an alarm about no one resident (a home's smoke detector), every resident's of the site. */
  private async contactsOf(alarm: Alarm): Promise<Array<{ contact: Resident['contacts'][number]; residentId: string }>> {
    const doc = await this.opts.siteDocument(alarm.siteId);
    if (!doc) return [];
    const residents = alarm.residentId ? doc.residents.filter((r) => r.id === alarm.residentId) : doc.residents;
    return residents.flatMap((r) => r.contacts.map((contact) => ({ contact, residentId: r.id })));
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
