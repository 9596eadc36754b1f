import { randomUUID } from 'node:crypto';
import { type Alarm, type AlarmListQuery, type AlarmListResponse, type Event, alarmCursor } from '../../contract/index.ts';
import { conflict, notFound } from '../http-error.ts';
import type { AlarmBus } from './alarm-bus.ts';
import { acknowledge, applyEvent, resolve } from './alarm-lifecycle.ts';
import type { OperatorStep, Transition } from './alarm-lifecycle.ts';
import { alarmScope, canSeeAlarm } from './scope.ts';
import type { Principal } from './scope.ts';
import type { ServerStore, StoredAlarmChange, Tx } from './store/types.ts';

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
  constructor(
    private readonly store: ServerStore,
    private readonly bus: AlarmBus,
    private readonly clock: () => number,
  ) {}

  async ingest(gatewayId: string, events: readonly Event[]): Promise<IngestOutcome> {
    const receivedAt = this.clock();
    const now = new Date(receivedAt).toISOString();
    const seen = new Set<string>();
    const changes: StoredAlarmChange[] = [];
    let newEvents = 0;
    await this.store.write(async (tx) => {
      for (const event of events) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        if (!(await tx.events.appendIfNew(event, { gatewayId, receivedAt }))) continue;
        newEvents += 1;
        if (event.action === 'record') continue;
        const key = { siteId: event.siteId, subject: event.subject, kind: event.kind };
        const step = applyEvent(await tx.alarms.findOpen(key), await tx.alarms.keyState(key), event, {
          now,
          newAlarmId: randomUUID,
        });
        if (step.key) await tx.alarms.putKeyState(key, step.key);
        if (step.transition) changes.push(await commit(tx, step.transition, receivedAt));
      }
    });
    this.bus.publish(changes);
    return { stored: [...seen], newEvents, duplicates: events.length - newEvents };
  }

  acknowledge(id: string, by: Principal): Promise<Alarm> {
    return this.operate(id, by, (alarm, now) => acknowledge(alarm, by.name, now));
  }

  resolve(id: string, by: Principal, note: string): Promise<Alarm> {
    return this.operate(id, by, (alarm, now) => resolve(alarm, by.name, note, now));
  }

  /**
   * Alarms in the caller's scope, newest first, a page of at most `limit` after `after`, with
   * whether more follow and the change id they are current to.
   */
  list(principal: Principal, query: AlarmListQuery, after?: { raisedAt: string; id: string }): Promise<AlarmListResponse> {
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

  private async operate(id: string, by: Principal, step: (alarm: Alarm, now: string) => OperatorStep): Promise<Alarm> {
    const at = this.clock();
    const change = await this.store.write(async (tx) => {
      const alarm = await tx.alarms.get(id);
      // Out of scope looks exactly like absent: no route tells a caller about another site's alarm.
      if (!alarm || !canSeeAlarm(by, alarm)) throw notFound(`no alarm ${id} in your scope`);
      const result = step(alarm, new Date(at).toISOString());
      if ('refused' in result) throw conflict(result.refused);
      return commit(tx, result, at);
    });
    this.bus.publish([change]);
    return change.alarm;
  }
}

/** Writes the alarm's new state and appends the change to the history the stream replays. */
async function commit(tx: Tx, transition: Transition, at: number): Promise<StoredAlarmChange> {
  await tx.alarms.put(transition.alarm);
  const changeId = await tx.alarms.appendChange(transition, at);
  return { changeId, change: transition.change, alarm: transition.alarm };
}
