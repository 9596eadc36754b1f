import type Database from 'better-sqlite3';
import { type SchedulerAction, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import type { LinkStatus, Reading } from '../../contract/index.ts';
import { watchSite } from '../core/watch-site.ts';
import type { EventDraft } from '../core/kit/event-draft.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { Backoff } from '../../contract/backoff.ts';
import { SqliteRuleState } from '../store/sqlite-rule-state.ts';
import type { SiteModel } from './model.ts';
import type { Logger } from '../log.ts';
import { ALARM_HOP_HELP, ALARM_HOP_METRIC, type Metrics } from '../metrics.ts';
import type { GatewayTrouble } from './gateway-trouble.ts';
import { PendingDrafts } from './pending-drafts.ts';
import { type Sighting, type UnregisteredDevices, unregisteredDraft } from './unregistered-devices.ts';

export interface SiteRuntimeDeps {
  db: Database.Database; outbox: Outbox; scheduler: SchedulerLike; log: Logger;
  /** Counts accepted readings per transport (metrics). */
  counted?: (reading: Reading) => void;
  /** Store failures, held events and rule restarts are counted here when given. */
  metrics?: Metrics;
  /** The gateway's own trouble events (storage errors, a rule restarted). */
  trouble?: GatewayTrouble;
  /** Counts, logs and folds messages from unregistered devices before they are raised. */
  unregistered?: UnregisteredDevices;
  /** Delay before restarting failed rules: first ~100 ms, doubling to 30 s while they keep failing. */
  restartBackoff?: Backoff;
}

export class RulesRestartingError extends Error {
  readonly code = 'RULES_RESTARTING';
}

/**
 * One watched site: its readings subject, its rules, its rule state. Readings pushed in run
 * through the rules synchronously, so an event a reading raises is in the outbox before `push`
 * returns — the caller may then acknowledge the device.
 * Events a timer or sweep raises have no device to retry them: when they cannot be stored they
 * are held and retried until stored (pending-drafts.ts). Rules that fail are restarted from
 * their stored state (issue 15 defect 3); readings meanwhile are refused, so not acknowledged.
 */
export class SiteRuntime {
  private readonly readings = new Subject<Reading>();
  private readonly links = new Subject<LinkStatus>();
  private readonly pending: PendingDrafts;
  private readonly restartBackoff: Backoff;
  private subscription: Subscription | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private inPush = false;
  private inTimer = false;
  private lastFailureAt = 0;
  /** Timer events not stored since this time (epoch ms), with the restarts it took so far. */
  private storeFailing: { since: number; restarts: number; error: string } | undefined;
  private appendError: Error | undefined;
  private readonly pushTx: (reading: Reading) => void;
  private readonly timerTx: (work: () => void) => void;
  private readonly scheduler: SchedulerLike;
  private readonly countStoreFailure?: (labels?: Record<string, string>) => void;
  private readonly countRestart?: (labels?: Record<string, string>) => void;
  private readonly timeHop?: (labels: Record<string, string>, seconds: number) => void;
  /** The reading being pushed raised or cleared something (its hops are timed). */
  private raisedInPush = false;

  constructor(
    readonly site: SiteModel,
    private readonly deps: SiteRuntimeDeps,
  ) {
    this.restartBackoff = deps.restartBackoff ?? new Backoff(100, 30_000);
    this.countStoreFailure = deps.metrics?.counter('carewatch_event_store_failures_total', 'Events a timer or sweep raised that could not be stored at first (held and retried), by site');
    this.countRestart = deps.metrics?.counter('carewatch_site_rules_restarts_total', 'Rule pipelines of a site that failed and were restarted from stored state, by site');
    this.timeHop = deps.metrics?.summary(ALARM_HOP_METRIC, ALARM_HOP_HELP, ['hop']);
    this.pending = new PendingDrafts({
      append: (d) => { deps.outbox.append(d); },
      onHeld: (draft, err, held) => {
        this.countStoreFailure?.({ site: site.id });
        deps.log.error({ err, siteId: site.id, kind: draft.kind, subject: draft.subject, held }, 'event raised by a timer could not be stored; held and retried until stored');
      },
      onRecovered: (stored, retries, heldMs, lastError) => {
        deps.log.warn({ siteId: site.id, stored, retries, heldMs }, 'held events stored');
        deps.trouble?.raise('event_store_failed', { siteId: site.id, details: { stored, retries, heldMs, error: lastError } });
      },
    });
    this.pushTx = deps.db.transaction((reading: Reading) => {
      this.readings.next(reading);
      // Throwing inside the transaction rolls back the rule state the reading changed.
      if (this.appendError) throw this.appendError;
    });
    this.timerTx = deps.db.transaction((work: () => void) => {
      work();
      if (this.appendError) throw this.appendError;
    });
    this.scheduler = this.guardedScheduler(deps.scheduler);
  }

  /** Events raised by timers and waiting to be stored. */
  get heldEvents(): number {
    return this.pending.size;
  }

  start(): void {
    this.stopped = false;
    const state = new SqliteRuleState(this.deps.db, this.site.id);
    let subscription: Subscription | undefined;
    // Subscribing runs what the stored state says is due (a retard that ended while the gateway
    // was down): in one transaction with its events, like any timer.
    this.guard(() => {
      subscription = this.readings.pipe(watchSite({
        site: this.site,
        scheduler: this.scheduler,
        state,
        links: this.links,
        sweepPhaseMs: sweepPhaseOf(this.site.id),
      })).subscribe({
        next: (draft) => this.store(draft),
        error: (err: unknown) => this.failed(err as Error),
      });
      this.subscription = subscription;
    });
    // A pipeline that failed while subscribing has already scheduled its restart.
    if (subscription?.closed) this.subscription = undefined;
  }

  /**
   * Runs the reading through the rules. Throws when an event it raised could not be stored, so
   * the transport does not acknowledge what is not durable (the device will retry).
   */
  push(reading: Reading): void {
    if (!this.subscription) throw new RulesRestartingError(`rules of site "${this.site.id}" are restarting`);
    // What timers raised before this reading is stored first, in its own commit: order kept.
    this.pending.flush();
    this.appendError = undefined;
    this.deps.counted?.(reading);
    // One transaction per reading: the rule state it changes and the events it raises commit
    // together, or not at all — a rule never remembers an alarm whose event was not stored
    // (the device's retry then raises it again). One commit instead of several is also faster.
    this.inPush = true;
    this.raisedInPush = false;
    const started = performance.now();
    let committed = started;
    try {
      this.pushTx(reading);
    } finally {
      this.inPush = false;
      this.appendError = undefined;
      committed = performance.now();
      // An alarm this reading raised is made power-safe before the caller acknowledges the device.
      this.deps.outbox.afterCommit();
    }
    if (this.raisedInPush && this.timeHop) {
      this.timeHop({ hop: 'rules_commit' }, (committed - started) / 1000);
      this.timeHop({ hop: 'power_safe_sync' }, (performance.now() - committed) / 1000);
    }
  }

  /**
   * Stores an event a transport raised outside the rules (an unregistered device, a fire at a
   * panel's unknown point). Throws when it could not be stored: the device is not acknowledged.
   */
  raiseDirect(draft: EventDraft): void {
    this.pending.flush();
    this.deps.outbox.append(draft);
  }

  /**
   * A message from a device of one of this site's links that the site file does not register:
   * counted, logged and raised (`device.unregistered`, or `draft` when the link knows better).
   */
  reportUnregistered(sighting: Sighting, draft?: EventDraft): void {
    const store = (d: EventDraft) => this.raiseDirect(d);
    if (this.deps.unregistered) this.deps.unregistered.report(this.site.id, sighting, store, draft);
    else store(draft ?? unregisteredDraft(this.site.id, sighting));
  }

  pushLink(status: LinkStatus): void {
    this.links.next(status);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.pending.stop();
    if (this.pending.size > 0) this.deps.log.error({ siteId: this.site.id, held: this.pending.size }, 'site stopped with events still held (not stored)');
  }

  private store(draft: EventDraft): void {
    if (this.inPush || this.inTimer) {
      this.raisedInPush ||= this.inPush;
      try {
        this.deps.outbox.append(draft);
      } catch (err) {
        this.appendError ??= err as Error;
      }
      return;
    }
    this.pending.offer(draft);
  }

  /**
   * The rules' scheduler with every timer and sweep action run in one transaction with the
   * rule state it changes and the events it raises — as a reading is — so an event that cannot
   * be stored rolls its rule state back with it. The rules then restart from stored state and
   * the due timer fires again: retried until stored, never half-remembered.
   */
  private guardedScheduler(inner: SchedulerLike): SchedulerLike {
    const guard = (work: () => void) => this.guard(work);
    return {
      now: () => inner.now(),
      schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
        return inner.schedule(function (this: SchedulerAction<T>, s?: T) {
          guard(() => work.call(this, s));
        }, delay, state);
      },
    };
  }

  /** Runs timer work in a transaction; a failure restarts the rules instead of escaping the scheduler. */
  private guard(work: () => void): void {
    if (this.inPush || this.inTimer) return work();
    this.inTimer = true;
    try {
      this.timerTx(work);
    } catch (err) {
      this.inTimer = false;
      this.appendError = undefined;
      this.subscription?.unsubscribe();
      this.failed(err as Error);
      return;
    } finally {
      this.inTimer = false;
      this.appendError = undefined;
    }
    if (this.storeFailing && this.subscription) this.storedAgain();
  }

  /** Timer events that failed are stored now: say so where someone sees it. */
  private storedAgain(): void {
    const f = this.storeFailing!;
    this.storeFailing = undefined;
    const heldMs = Date.now() - f.since;
    this.deps.log.warn({ siteId: this.site.id, restarts: f.restarts, heldMs }, 'timer events stored again after a store failure');
    this.deps.trouble?.raise('event_store_failed', { siteId: this.site.id, details: { restarts: f.restarts, heldMs, error: f.error } });
  }

  private failed(err: Error): void {
    this.subscription = undefined;
    // Inside a reading or a timer: its transaction rolls back what the failed rules half did.
    if (this.inPush || this.inTimer) this.appendError ??= err;
    if (this.stopped || this.restartTimer) return;
    // Rules that ran a minute since their last failure restart quickly again; rules that keep
    // failing back off, so a bug a reading triggers does not spin.
    const now = Date.now();
    if (now - this.lastFailureAt > 60_000) this.restartBackoff.reset();
    this.lastFailureAt = now;
    const delay = this.restartBackoff.next();
    if (isStoreError(err)) {
      // A timer's event (and its rule state) could not be stored: rolled back, raised again on restart.
      this.countStoreFailure?.({ site: this.site.id });
      if (this.storeFailing) this.storeFailing.restarts += 1;
      else this.storeFailing = { since: now, restarts: 1, error: err.message };
      this.deps.log.error({ err, siteId: this.site.id, restartInMs: delay }, 'event raised by a timer could not be stored; rules restart from stored state to raise it again until stored');
    } else {
      this.countRestart?.({ site: this.site.id });
      this.deps.log.error({ err, siteId: this.site.id, restartInMs: delay }, 'rules of a site failed; restarting them from stored state');
      // After the transaction this failure rolls back, or the trouble event would roll back with it.
      queueMicrotask(() => this.deps.trouble?.raise('rules_restarted', { siteId: this.site.id, details: { error: err.message, restartInMs: delay } }));
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.start();
      if (this.subscription) this.deps.log.warn({ siteId: this.site.id }, 'rules of a site restarted from stored state');
    }, delay);
  }
}

/** SQLite could not store (busy, full, I/O): the rules are fine, the store is not. */
function isStoreError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/** Sweeps run every 30 s; each site starts its own at a phase taken from its id (FNV-1a hash). */
function sweepPhaseOf(siteId: string, periodMs = 30_000): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < siteId.length; i++) h = Math.imul(h ^ siteId.charCodeAt(i), 0x01000193);
  return 1 + ((h >>> 0) % periodMs);
}
