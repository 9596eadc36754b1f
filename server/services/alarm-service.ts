import { type Alarm, type AlarmListQuery, type AlarmListResponse, type AlarmTimeline, type Event, type Outcome, alarmCursor } from '../../contract/index.ts';
import { badRequest, conflict, notFound } from '../http-error.ts';
import type { AlarmBus } from './alarm-bus.ts';
import { AlarmIdMaker } from './alarm-ids.ts';
import { commitTransition, recordTransition } from './alarm-commit.ts';
import type { AlarmReactor, AuditActor, AuditDetails } from './alarm-commit.ts';
import { acknowledge, applyEvent, assign, attend, comment, resolve } from './alarm-lifecycle.ts';
import type { OperatorStep, Transition } from './alarm-lifecycle.ts';
import { IngestBatch } from './ingest-batch.ts';
import { alarmScope, canSeeAlarm } from './scope.ts';
import type { Principal } from './scope.ts';
import type { ServerStore, StoredAlarmChange, Tx } from './store/types.ts';

/** The most audit records a timeline shows (an alarm repeated all night has many). */
const TIMELINE_LIMIT = 1000;

export interface IngestOutcome {
  /** Every id of the request, once each, in request order: stored now or before. */
  stored: string[];
  newEvents: number;
  duplicates: number;
}

/**
 * Events in, alarms out: stores each event once and moves its alarm, all in one transaction, then
 * tells live streams what changed. Operators' acknowledgements and resolutions go the same way.
 */
export class AlarmService {
  private reactor: AlarmReactor | undefined;
  private readonly alarmIds = new AlarmIdMaker();

  constructor(
    private readonly store: ServerStore,
    private readonly bus: AlarmBus,
    private readonly clock: () => number,
  ) {}

  /** The escalation service, which arms and stops timers in the same unit of work as each transition. */
  setReactor(reactor: AlarmReactor): void {
    this.reactor = reactor;
  }

  async ingest(gatewayId: string, events: readonly Event[], from: string | null = null): Promise<IngestOutcome> {
    // The gateway watch raises `gateway.offline` itself, under the sender name `(server)`.
    const actor: AuditActor = { name: gatewayId.startsWith('(') ? 'server' : `gateway:${gatewayId}`, from };
    const receivedAt = this.clock();
    const now = new Date(receivedAt).toISOString();
    const seen = new Set<string>();
    const changes: StoredAlarmChange[] = [];
    let newEvents = 0;
    const meta = { gatewayId, receivedAt };
    const ctx = { now, newAlarmId: () => this.alarmIds.next(receivedAt) };
    await this.store.write(async (tx) => {
      const batch = new IngestBatch(tx);
      for (const event of events) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        if (!(await tx.events.appendIfNew(event, meta))) continue;
        newEvents += 1;
        if (event.action === 'record') continue;
        const slot = await batch.slot({ siteId: event.siteId, subject: event.subject, kind: event.kind });
        const step = applyEvent(slot.open, slot.state, event, ctx);
        if (step.key) batch.setState(slot, step.key);
        if (step.transition) {
          batch.setAlarm(slot, step.transition.alarm);
          // The alarm's row is written once, by the batch's flush; its change and audit record now.
          changes.push(await recordTransition(tx, step.transition, receivedAt, actor, { eventId: event.id }));
          await this.reactor?.onTransition(tx, step.transition, receivedAt);
        }
      }
      await batch.flush();
    });
    this.bus.publish(changes);
    if (changes.length > 0) this.reactor?.wake();
    return { stored: [...seen], newEvents, duplicates: events.length - newEvents };
  }

  acknowledge(id: string, by: Principal, from: string | null = null): Promise<Alarm> {
    return this.operate(id, by, from, (alarm, now) => acknowledge(alarm, by.name, now));
  }

  resolve(id: string, by: Principal, outcome: Outcome, note: string | undefined, from: string | null = null): Promise<Alarm> {
    return this.operate(id, by, from, (alarm, now) => resolve(alarm, by.name, outcome, note, now), { outcome, note: note?.trim() || null });
  }

  /** Staff presence at the resident: holds the re-signal while on. */
  attend(id: string, by: Principal, present: boolean, from: string | null = null): Promise<Alarm> {
    return this.operate(id, by, from, (alarm, now) => attend(alarm, by.name, present, now), { present });
  }

  assign(id: string, by: Principal, to: string | null, from: string | null = null): Promise<Alarm> {
    return this.operate(id, by, from, (alarm, now) => assign(alarm, to, now), { to });
  }

  comment(id: string, by: Principal, text: string, from: string | null = null): Promise<Alarm> {
    return this.operate(id, by, from, (alarm, now) => comment(alarm, now), { text });
  }

  /** The alarm and every audit record about it, oldest first; absent when not in the caller's scope. */
  timeline(id: string, by: Principal): Promise<AlarmTimeline> {
    return this.store.read(async (tx) => {
      const alarm = await tx.alarms.get(id);
      if (!alarm || !canSeeAlarm(by, alarm)) throw notFound(`no alarm ${id} in your scope`);
      const entries = await tx.audit.list({ sites: [alarm.siteId], alarmId: id, limit: TIMELINE_LIMIT });
      return { alarm, entries };
    });
  }

  /**
   * Alarms in the caller's scope, newest first, a page of at most `limit` after `after`, with
   * whether more follow and the change id they are current to.
   */
  list(principal: Principal, query: AlarmListQuery, after?: { raisedAt: string; id: string }): Promise<Omit<AlarmListResponse, 'lastChangeId'> & { lastChangeId: number }> {
    const scope = alarmScope(principal);
    const sites = query.site ? [query.site] : scope.sites;
    return this.store.read(async (tx) => {
      // One more than asked for: whether it exists is whether more follow.
      const page = await tx.alarms.list({
        sites,
        ...(scope.kindPrefix ? { kindPrefix: scope.kindPrefix } : {}),
        openOnly: query.status === 'active',
        limit: query.limit + 1,
        ...(after ? { after } : {}),
      });
      const more = page.length > query.limit;
      const alarms = more ? page.slice(0, query.limit) : page;
      return {
        alarms,
        lastChangeId: await tx.alarms.lastChangeId(),
        more,
        ...(more ? { nextCursor: alarmCursor(alarms.at(-1)!) } : {}),
      };
    });
  }

  /** Open alarms of one site whose kind starts with `prefix` (device faults for the device list). */
  openOfSite(siteId: string, prefix: string): Promise<Alarm[]> {
    return this.store.read((tx) => tx.alarms.list({ sites: [siteId], kindPrefix: prefix, openOnly: true, limit: 100_000 }));
  }

  private async operate(id: string, by: Principal, from: string | null, step: (alarm: Alarm, now: string) => OperatorStep, details: AuditDetails = {}): Promise<Alarm> {
    const at = this.clock();
    const change = await this.store.write(async (tx) => {
      const alarm = await tx.alarms.get(id);
      // Out of scope looks exactly like absent: no route tells a caller about another site's alarm.
      if (!alarm || !canSeeAlarm(by, alarm)) throw notFound(`no alarm ${id} in your scope`);
      const result = step(alarm, new Date(at).toISOString());
      if ('refused' in result) throw conflict(result.refused);
      if ('invalid' in result) throw badRequest(result.invalid);
      return this.commit(tx, result, at, { name: by.name, from }, details);
    });
    this.bus.publish([change]);
    this.reactor?.wake();
    return change.alarm;
  }

  /** Commits the transition with its audit record, and lets the escalation service react in the same unit of work. */
  private async commit(tx: Tx, transition: Transition, at: number, actor: AuditActor, details: AuditDetails): Promise<StoredAlarmChange> {
    const stored = await commitTransition(tx, transition, at, actor, details);
    await this.reactor?.onTransition(tx, transition, at);
    return stored;
  }
}
