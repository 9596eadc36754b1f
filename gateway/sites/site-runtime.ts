import type Database from 'better-sqlite3';
import { type SchedulerLike, Subject, type Subscription } from 'rxjs';
import type { LinkStatus, Reading } from '../../contract/index.ts';
import { watchSite } from '../core/watch-site.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { SqliteRuleState } from '../store/sqlite-rule-state.ts';
import type { SiteModel } from '../site/model.ts';
import type { Logger } from '../log.ts';

/**
 * One watched site: its readings subject, its rules, its rule state. Readings pushed in run
 * through the rules synchronously, so an event a reading raises is in the outbox before `push`
 * returns — the caller may then acknowledge the device.
 */
export class SiteRuntime {
  private readonly readings = new Subject<Reading>();
  private readonly links = new Subject<LinkStatus>();
  private subscription: Subscription | undefined;
  private appendError: Error | undefined;
  private readonly pushTx: (reading: Reading) => void;

  constructor(
    readonly site: SiteModel,
    private readonly deps: {
      db: Database.Database; outbox: Outbox; scheduler: SchedulerLike; log: Logger;
      /** Counts accepted readings per transport (metrics). */
      counted?: (reading: Reading) => void;
    },
  ) {
    this.pushTx = deps.db.transaction((reading: Reading) => {
      this.readings.next(reading);
      // Throwing inside the transaction rolls back the rule state the reading changed.
      if (this.appendError) throw this.appendError;
    });
  }

  start(): void {
    const state = new SqliteRuleState(this.deps.db, this.site.id);
    this.subscription = watchSite(this.readings, {
      site: this.site,
      scheduler: this.deps.scheduler,
      state,
      links: this.links,
      sweepPhaseMs: sweepPhaseOf(this.site.id),
    }).subscribe({
      next: (draft) => {
        try {
          this.deps.outbox.append(draft);
        } catch (err) {
          this.appendError ??= err as Error;
        }
      },
      error: (err: unknown) => this.deps.log.error({ err, siteId: this.site.id }, 'rules of a site failed; site no longer watched'),
    });
  }

  /**
   * Runs the reading through the rules. Throws when an event it raised could not be stored, so
   * the transport does not acknowledge what is not durable (the device will retry).
   */
  push(reading: Reading): void {
    this.appendError = undefined;
    this.deps.counted?.(reading);
    // One transaction per reading: the rule state it changes and the events it raises commit
    // together, or not at all — a rule never remembers an alarm whose event was not stored
    // (the device's retry then raises it again). One commit instead of several is also faster.
    try {
      this.pushTx(reading);
    } finally {
      // An alarm this reading raised is made power-safe before the caller acknowledges the device.
      this.deps.outbox.afterCommit();
    }
  }

  pushLink(status: LinkStatus): void {
    this.links.next(status);
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }
}

/** Sweeps run every 30 s; each site starts its own at a phase taken from its id (FNV-1a hash). */
function sweepPhaseOf(siteId: string, periodMs = 30_000): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < siteId.length; i++) h = Math.imul(h ^ siteId.charCodeAt(i), 0x01000193);
  return 1 + ((h >>> 0) % periodMs);
}
