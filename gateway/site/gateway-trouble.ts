import { DEFAULT_SEVERITY, type EventKind, type Severity } from '../../contract/index.ts';
import type { EventDraft } from '../core/kit/event-draft.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { PendingDrafts } from './pending-drafts.ts';

export interface GatewayTroubleOptions {
  gatewayId: string;
  outbox: Outbox;
  metrics: Metrics;
  log: Logger;
  /** A site to file trouble under when no site is concerned (the gateway's first site). */
  anySite: () => string | undefined;
  clock?: () => number;
}

export type TroubleDetails = Record<string, string | number | boolean | null>;

/**
 * The gateway's own trouble (CONTRACT.md `gateway.trouble`: events refused by the server,
 * storage errors, a rule restarted), raised as events so someone sees them on the server, not
 * only in a log. Every event needs a site (the server scopes by site): the site concerned, else
 * the gateway's first site. Subject `gateway:{id}/{reason}`: one alarm per gateway and reason,
 * whose count grows with repeats. Stored through its own retry queue: trouble about storage is
 * raised once storage works again.
 */
export class GatewayTrouble {
  private readonly pending: PendingDrafts;
  private readonly count: (labels?: Record<string, string>) => void;
  private readonly clock: () => number;

  constructor(private readonly opts: GatewayTroubleOptions) {
    this.clock = opts.clock ?? Date.now;
    this.count = opts.metrics.counter('carewatch_gateway_trouble_total', 'Trouble events the gateway raised about itself, by reason');
    this.pending = new PendingDrafts({
      append: (d) => { opts.outbox.append(d); },
      onHeld: (d, err) => opts.log.error({ err, kind: d.kind, subject: d.subject }, 'trouble event not stored; held and retried'),
      onRecovered: (n) => opts.log.info({ stored: n }, 'held trouble events stored'),
      clock: this.clock,
    });
  }

  /** Raises `gateway.trouble` (or another kind about the gateway's links, e.g. `device.unregistered`). */
  raise(reason: string, o: { siteId?: string | undefined; details?: TroubleDetails; severity?: Severity; kind?: EventKind; subject?: string } = {}): void {
    const kind = o.kind ?? 'gateway.trouble';
    this.count({ reason });
    const siteId = o.siteId ?? this.opts.anySite();
    if (siteId === undefined) {
      this.opts.log.error({ reason, details: o.details }, 'gateway trouble with no site to raise it for (no site loaded)');
      return;
    }
    const draft: EventDraft = {
      siteId,
      kind,
      action: 'raise',
      severity: o.severity ?? DEFAULT_SEVERITY[kind],
      subject: (o.subject ?? `gateway:${this.opts.gatewayId}/${reason}`).slice(0, 140),
      ts: this.clock(),
      details: clip({ reason, gatewayId: this.opts.gatewayId, ...o.details }),
    };
    this.opts.log.warn({ reason, siteId, kind, details: o.details }, `gateway trouble: ${reason}`);
    this.pending.offer(draft);
  }

  /** Stores a ready event through the same retry queue (an unregistered device of no one site). */
  raiseDraft(draft: EventDraft): void {
    this.pending.offer(draft);
  }

  stop(): void {
    this.pending.stop();
  }
}

/** Event details hold strings of at most 500 characters (contract/event.ts). */
export function clip(details: TroubleDetails): TroubleDetails {
  return Object.fromEntries(Object.entries(details).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, 500) : v]));
}
