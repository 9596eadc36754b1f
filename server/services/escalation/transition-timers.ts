import type { Alarm } from '../../../contract/index.ts';
import type { Transition } from '../alarm-lifecycle.ts';
import type { Tx } from '../store/types.ts';
import type { EscalationPolicies } from './escalation-policies.ts';
import { type Chain, LATE_CONFIRM_MS, timerIds } from './timer-state.ts';

/**
 * What each alarm transition does to the alarm's timers, inside the transition's own unit of
 * work (so a deadline never commits without its change, nor a change without its deadline):
 * a raise starts the chain its policy gives, an acknowledgement stops it and arms the re-signal,
 * a resolution ends everything but a late contact's confirmation.
 */
export class TransitionTimers {
  constructor(private readonly policies: EscalationPolicies) {}

  async onTransition(tx: Tx, transition: Transition, at: number): Promise<void> {
    const { alarm, change } = transition;
    switch (change) {
      case 'raised': {
        // A new alarm, or one whose condition came back after clearing: it needs a person again.
        const rule = this.policies.ruleFor(alarm);
        // A new alarm's id is fresh: no timer names it yet, nothing to look up or remove.
        if (!transition.created) {
          await tx.timers.remove(timerIds.resignal(alarm.id));
          if (!rule || (await tx.timers.get(timerIds.escalate(alarm.id)))) return;
        }
        if (rule) await this.putChain(tx, alarm, { steps: rule.steps, level: 0, startedAt: at });
        return;
      }
      case 'acked': {
        // Someone has it: the chain stops (its place kept for a re-signal), the re-signal is armed.
        const escalateId = timerIds.escalate(alarm.id);
        const chainTimer = await tx.timers.get(escalateId);
        await tx.timers.remove(escalateId);
        if (alarm.status !== 'active_ack') return;
        const chain = chainTimer ? (chainTimer.state as unknown as Chain) : null;
        await tx.timers.put({ id: timerIds.resignal(alarm.id), alarmId: alarm.id, siteId: alarm.siteId, kind: 'resignal', dueAt: at + this.resignalMs(alarm), state: { chain } });
        return;
      }
      case 'cleared':
        // Reset at the call point: nothing to re-signal.
        if (alarm.status === 'cleared_ack') await tx.timers.remove(timerIds.resignal(alarm.id));
        return;
      case 'attended': {
        // Presence holds the re-signal; when staff leave, the acknowledgement has its full time again.
        const pending = await tx.timers.get(timerIds.resignal(alarm.id));
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

  /** Arms the chain's next step (nothing when the chain has no step left). */
  async putChain(tx: Tx, alarm: Alarm, chain: Chain): Promise<void> {
    const step = chain.steps[chain.level];
    if (!step) return;
    await tx.timers.put({
      id: timerIds.escalate(alarm.id), alarmId: alarm.id, siteId: alarm.siteId, kind: 'escalate',
      dueAt: chain.startedAt + step.afterSec * 1000, state: { ...chain },
    });
  }

  /** A fresh chain for an alarm re-signalled with none stashed, when its policy has a rule for it. */
  async startChain(tx: Tx, alarm: Alarm, at: number): Promise<void> {
    const rule = this.policies.ruleFor(alarm);
    if (rule) await this.putChain(tx, alarm, { steps: rule.steps, level: 0, startedAt: at });
  }

  resignalMs(alarm: Alarm): number {
    return this.policies.policyFor(alarm.siteId).resignalAfterSec * 1000;
  }
}
