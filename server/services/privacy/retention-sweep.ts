import type { ServerStore } from '../store/types.ts';

/** How long each kind of record is kept (issue 17: "retention per kind of record"). */
export interface RetentionPolicy {
  /** The audit chain: 5 years (MCA Order 66 art. 38 for care records; GB 50440 for fire-monitoring records). */
  auditMs: number;
  /** Failed sign-ins and lockouts: only as long as the lockout rule looks back. */
  signInFailuresMs: number;
}

const YEAR_MS = 365.25 * 86_400_000;

export const DEFAULT_RETENTION: RetentionPolicy = {
  auditMs: 5 * YEAR_MS,
  signInFailuresMs: 24 * 3600_000,
};

export interface SweepResult {
  sessions: number;
  signInFailures: number;
  audit: number;
}

/**
 * Drops what is past its retention, one unit of work per kind: expired sessions, old sign-in
 * failures, audit records older than the policy (the chain keeps an anchor, so it still verifies).
 * Alarms are kept at least as long as the audit trail that records them; readings follow the
 * history store's own policy (issue 19).
 */
export class RetentionSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;

  constructor(private readonly opts: {
    store: ServerStore;
    clock: () => number;
    policy: RetentionPolicy;
    everyMs: number;
    swept?: (result: SweepResult) => void;
    failed?: (error: unknown) => void;
  }) {}

  start(): void {
    this.timer = setInterval(() => void this.run().catch((error: unknown) => this.opts.failed?.(error)), this.opts.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sweep now (never two at once). */
  run(): Promise<SweepResult> {
    this.running ??= this.sweep().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async sweep(): Promise<SweepResult> {
    const now = this.opts.clock();
    const { store, policy } = this.opts;
    const sessions = await store.write((tx) => tx.identity.pruneSessions(now));
    const signInFailures = await store.write((tx) => tx.identity.pruneFailures(now - policy.signInFailuresMs));
    const audit = await store.write((tx) => tx.audit.prune(now - policy.auditMs));
    const result = { sessions, signInFailures, audit };
    this.opts.swept?.(result);
    return result;
  }
}
