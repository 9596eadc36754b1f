import { DEFAULT_SEVERITY, type Event, type IngestRefusal } from '../../contract/index.ts';
import type { EventDraft } from '../core/kit/event-draft.ts';
import type { Logger } from '../log.ts';
import type { Outbox } from '../outbox/outbox.ts';

export interface TroubleMemory {
  raised(): Array<{ refusedSite: string; troubleSite: string }>;
  remember(refusedSite: string, troubleSite: string): void;
  forget(): void;
}

/** The alarm key's source of this trouble (CONTRACT.md: `link:{name}`): the gateway's link to the server. */
export const SERVER_LINK_SUBJECT = 'link:server-ingest';

/**
 * Raises the gateway's own `gateway.trouble` when the server refuses events (CONTRACT.md "Event
 * and alarm kinds": events refused by the server), once per refused site, and clears it when no
 * refused event is left. A site the server does not serve cannot carry the trouble (it would be
 * refused too), so the trouble goes to a site the server took events of lately; with none known
 * it goes to the refused site, and is parked with it — still listed on the local page.
 */
export class ParkedTrouble {
  /** Sites the server stored events of, newest last. */
  private readonly served = new Set<string>();

  constructor(private readonly opts: { outbox: Outbox; memory: TroubleMemory; gatewayId: string; log: Logger; clock: () => number }) {}

  noteServed(siteIds: Iterable<string>): void {
    for (const id of siteIds) {
      this.served.delete(id);
      this.served.add(id);
      if (this.served.size > 100) this.served.delete(this.served.values().next().value!);
    }
  }

  /** Events parked now, with the server's reasons: raise for each refused site not yet reported. */
  parked(events: readonly Event[], refused: readonly IngestRefusal[], totalParked: number): void {
    const known = new Set(this.opts.memory.raised().map((r) => r.refusedSite));
    const reasons = new Map(refused.map((r) => [r.id, r]));
    for (const event of events) {
      // A trouble event refused in its turn is parked and listed, never reported again (no loop).
      if (event.kind === 'gateway.trouble' && event.subject === SERVER_LINK_SUBJECT) continue;
      if (known.has(event.siteId)) continue;
      known.add(event.siteId);
      const why = reasons.get(event.id);
      // The newest site whose events went through, and not one refused (JetStream hands events on before the server's verdict).
      const served = [...this.served].reverse().find((s) => !known.has(s));
      const troubleSite = why?.code === 'invalid' ? event.siteId : (served ?? event.siteId);
      this.opts.memory.remember(event.siteId, troubleSite);
      this.opts.outbox.append(this.draft(troubleSite, 'raise', {
        refusedSite: event.siteId,
        code: why?.code ?? null,
        reason: why?.reason.slice(0, 500) ?? null,
        parked: totalParked,
      }));
    }
  }

  /** After a batch was settled: no refused event left, so what was raised is cleared. */
  settled(): void {
    const raised = this.opts.memory.raised();
    if (raised.length === 0 || this.opts.outbox.holdsRefused()) return;
    this.opts.memory.forget();
    for (const site of new Set(raised.map((r) => r.troubleSite))) {
      this.opts.outbox.append(this.draft(site, 'clear', { parked: 0 }));
    }
    this.opts.log.info({ sites: raised.map((r) => r.refusedSite) }, 'every refused event is now stored by the server; gateway trouble cleared');
  }

  private draft(siteId: string, action: 'raise' | 'clear', details: NonNullable<EventDraft['details']>): EventDraft {
    return {
      siteId,
      kind: 'gateway.trouble',
      action,
      severity: DEFAULT_SEVERITY['gateway.trouble'],
      subject: SERVER_LINK_SUBJECT,
      ts: this.opts.clock(),
      details: { gatewayId: this.opts.gatewayId, problem: 'events refused by the server', ...details },
    };
  }
}
