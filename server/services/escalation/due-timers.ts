import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Counter } from 'prom-client';
import type { Alarm, ConfirmResponse, Resident, SiteFile } from '../../../contract/index.ts';
import { notFound } from '../../http-error.ts';
import { commitTransition, SERVER_ACTOR } from '../alarm-commit.ts';
import { escalate, resignal } from '../alarm-lifecycle.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { AlarmTimer } from '../store/alarm-timer-store.ts';
import type { ServerStore, Tx } from '../store/types.ts';
import type { EscalationPolicies } from './escalation-policies.ts';
import { type Chain, type ContactRound, iso, LATE_CONFIRM_MS, type Round, timerIds } from './timer-state.ts';
import type { TransitionTimers } from './transition-timers.ts';
import type { WebhookDeliveries } from './webhook-deliveries.ts';

/** What the escalation loop and the work of its due timers both need (escalation-service.ts passes it on). */
export interface EscalationContext {
  store: ServerStore;
  policies: EscalationPolicies;
  /** The site's document (residents and their contacts), opened. */
  siteDocument: (siteId: string) => Promise<SiteFile | undefined>;
  clock: () => number;
  log: FastifyBaseLogger;
  metrics: ServerMetrics;
  /** Where a contact confirms (absolute URL of `POST /api/v1/alarms/{id}/confirm`). */
  confirmUrl: (alarmId: string) => string;
}

export interface DueTimersOptions extends EscalationContext {
  transitions: TransitionTimers;
  deliveries: WebhookDeliveries;
}

/**
 * What a timer does when it falls due, inside the loop's round: an escalation step taken (an
 * audited alarm change, its channels notified, the next step armed), a stale acknowledgement
 * re-signalled, the next emergency contact tried, a webhook message claimed for its attempt.
 */
export class DueTimers {
  private readonly steps: Counter;

  constructor(private readonly opts: DueTimersOptions) {
    this.steps = new Counter({ name: 'carewatch_escalation_steps_total', help: 'Escalation steps taken, by step label.', labelNames: ['label'], registers: [opts.metrics.registry] });
  }

  async handle(tx: Tx, timer: AlarmTimer, now: number, round: Round): Promise<void> {
    if (timer.kind === 'deliver') {
      await this.opts.deliveries.claim(tx, timer, now, round.sends);
      return;
    }
    const alarm = await tx.alarms.get(timer.alarmId);
    if (!alarm) {
      await tx.timers.remove(timer.id);
      return;
    }
    if (timer.kind === 'escalate') await this.takeStep(tx, timer, alarm, now, round);
    else if (timer.kind === 'resignal') await this.resignal(tx, timer, alarm, now, round);
    else await this.nextContact(tx, timer, alarm, now);
  }

  /** An emergency contact confirms with the token their message carried: the round stops. */
  async confirmContact(alarmId: string, token: string, from: string | null): Promise<ConfirmResponse> {
    const at = this.opts.clock();
    const hash = sha256(token);
    return this.opts.store.write(async (tx) => {
      const timer = await tx.timers.get(timerIds.contact(alarmId));
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

  private async takeStep(tx: Tx, timer: AlarmTimer, alarm: Alarm, now: number, round: Round): Promise<void> {
    const chain = timer.state as unknown as Chain;
    const step = chain.steps[chain.level];
    const transition = step ? escalate(alarm, chain.level + 1, step.label, iso(now)) : undefined;
    if (!step || !transition) {
      await tx.timers.remove(timer.id);
      return;
    }
    round.changes.push(await commitTransition(tx, transition, now, SERVER_ACTOR, {
      level: chain.level + 1, label: step.label, channels: step.notify.join(','), dueAt: timer.dueAt, lateMs: now - timer.dueAt,
    }));
    this.steps.inc({ label: step.label });
    this.opts.log.info({ alarmId: alarm.id, siteId: alarm.siteId, kind: alarm.kind, level: chain.level + 1, label: step.label, lateMs: now - timer.dueAt }, 'alarm escalated');
    for (const name of step.notify) {
      const channel = this.opts.policies.channel(name);
      if (channel?.kind === 'webhook') {
        await this.opts.deliveries.enqueue(tx, transition.alarm, name, now, { type: 'alarm.escalated', step: { level: chain.level + 1, label: step.label } });
      } else if (channel?.kind === 'contacts') {
        const id = timerIds.contact(alarm.id);
        if (!(await tx.timers.get(id))) {
          const contactRound: ContactRound = { channel: name, tried: 0, tokens: [] };
          await tx.timers.put({ id, alarmId: alarm.id, siteId: alarm.siteId, kind: 'contact', dueAt: now, state: { ...contactRound } });
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

  private async resignal(tx: Tx, timer: AlarmTimer, alarm: Alarm, now: number, round: Round): Promise<void> {
    const { transitions } = this.opts;
    if (alarm.status !== 'active_ack') {
      await tx.timers.remove(timer.id);
      return;
    }
    if (alarm.attendedBy !== null) {
      // Staff are with the resident: hold, and look again after another period.
      await tx.timers.put({ ...timer, dueAt: now + transitions.resignalMs(alarm) });
      return;
    }
    const transition = resignal(alarm, iso(now));
    await tx.timers.remove(timer.id);
    if (!transition) return;
    round.changes.push(await commitTransition(tx, transition, now, SERVER_ACTOR, {
      ackedBy: alarm.ackedBy, ackedAt: alarm.ackedAt, afterSec: transitions.resignalMs(alarm) / 1000,
    }));
    this.opts.log.warn({ alarmId: alarm.id, siteId: alarm.siteId, ackedBy: alarm.ackedBy }, 'acknowledged alarm not cleared in time: re-signalled');
    // The chain goes on from the step it had reached, with the gaps between steps as configured.
    const chain = (timer.state as { chain: Chain | null }).chain;
    if (chain && chain.level < chain.steps.length) {
      const gapSec = chain.steps[chain.level]!.afterSec - (chain.level > 0 ? chain.steps[chain.level - 1]!.afterSec : 0);
      const dueAt = now + gapSec * 1000;
      await transitions.putChain(tx, transition.alarm, { ...chain, startedAt: dueAt - chain.steps[chain.level]!.afterSec * 1000 });
    } else if (!chain) {
      await transitions.startChain(tx, transition.alarm, now);
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
      this.opts.deliveries.count(round.channel, 'no_contact_confirmed');
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
    await this.opts.deliveries.enqueue(tx, alarm, channel.via, now, {
      type: 'alarm.contact',
      contact: {
        name: contact.name, phone: contact.phone, ...(contact.relation ? { relation: contact.relation } : {}), position,
        confirmUrl: this.opts.confirmUrl(alarm.id), token,
      },
    }, { contactOf: round.channel, position });
    const next: ContactRound = { ...round, tried: position, tokens: [...round.tokens, { hash: sha256(token), position }] };
    await tx.timers.put({ ...timer, dueAt: now + channel.confirmWithinSec * 1000, state: { ...next } });
  }

  /** The alarm's resident's contacts; for an alarm about no one resident (a home's smoke detector), every resident's of the site. */
  private async contactsOf(alarm: Alarm): Promise<Array<{ contact: Resident['contacts'][number]; residentId: string }>> {
    const doc = await this.opts.siteDocument(alarm.siteId);
    if (!doc) return [];
    const residents = alarm.residentId ? doc.residents.filter((r) => r.id === alarm.residentId) : doc.residents;
    return residents.flatMap((r) => r.contacts.map((contact) => ({ contact, residentId: r.id })));
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
