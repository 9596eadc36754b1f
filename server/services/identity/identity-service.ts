import { createHash } from 'node:crypto';
import { newToken } from '../../../contract/index.ts';
import type { Role } from '../../../contract/index.ts';
import { HttpError, unauthorized } from '../../http-error.ts';
import { ChangeBus } from '../change-bus.ts';
import { ALL_GRANT, siteGrant } from '../scope.ts';
import type { Principal, ScopeService } from '../scope.ts';
import type { MachineRecord, SessionRecord, UserRecord } from '../store/identity-store.ts';
import type { ServerStore } from '../store/types.ts';
import type { TokenVerifier } from '../token-verifier.ts';
import type { PasswordHasher } from './password-hash.ts';

/**
 * OWASP Authentication Cheat Sheet, "Account Lockout": a threshold of failures within an
 * observation window locks the account for a while (never for good: that hands an attacker a
 * denial of service). Per username, and more loosely per address, so one address cannot try a
 * thousand usernames either. All of it in the store: every replica counts the same failures.
 */
export interface SignInPolicy {
  /** Failed sign-ins of one username within `windowMs` that lock it. */
  maxFailures: number;
  /** Failed sign-ins from one address within `windowMs` that lock the address. */
  maxFailuresFromAddress: number;
  windowMs: number;
  lockMs: number;
  /** How long a session lasts: a night shift and its handover. */
  sessionMs: number;
}

export const DEFAULT_SIGN_IN: SignInPolicy = {
  maxFailures: 5,
  maxFailuresFromAddress: 20,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  sessionMs: 12 * 3600_000,
};

export interface SignedIn {
  token: string;
  expiresAt: number;
  username: string;
  role: Role;
}

export type SignInOutcome = 'ok' | 'wrong' | 'locked';

export interface IdentityServiceOptions {
  store: ServerStore;
  scope: ScopeService;
  files: TokenVerifier;
  hasher: PasswordHasher;
  clock: () => number;
  policy: SignInPolicy;
  /** Counts each sign-in by outcome (metrics). */
  counted?: (outcome: SignInOutcome) => void;
}

/** SHA-256 (hex) of a random token: how sessions and machine tokens are stored and found. */
export function tokenLookup(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Who is calling: machine tokens (provisioning file, gateways and integrations in the store) and
 * people's sessions. Sign-in checks the password, counts failures and locks as the policy says,
 * and writes every outcome to the audit trail.
 */
export class IdentityService {
  /** Token lookups of sessions that ended here (sign-out, removal): their open streams close. */
  readonly sessionsEnded = new ChangeBus<string>();
  private readonly machines = new Map<string, MachineRecord>();
  /** Verified once so a sign-in for an unknown username costs the same as for a known one. */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly opts: IdentityServiceOptions) {}

  /** Forget cached machine tokens (a machine was changed or removed). */
  accountsChanged(): void {
    this.machines.clear();
  }

  async authenticate(token: string): Promise<Principal | undefined> {
    const file = this.opts.files.verify(token);
    if (file) {
      if (file.kind === 'gateway') return this.gatewayPrincipal(file.name);
      const grant = file.all ? ALL_GRANT : siteGrant(file.sites, file.regions);
      return { kind: 'integration', name: file.name, role: file.role, grant, sites: this.opts.scope.sitesOf(grant) };
    }
    const lookup = tokenLookup(token);
    const machine = this.machines.get(lookup);
    if (machine) return this.machinePrincipal(machine);
    const now = this.opts.clock();
    type Found = { machine: MachineRecord } | { session: SessionRecord; user: UserRecord } | undefined;
    const found = await this.opts.store.read(async (tx): Promise<Found> => {
      const m = await tx.identity.machineByToken(lookup);
      if (m) return { machine: m };
      const session = await tx.identity.sessionByToken(lookup);
      if (!session || session.expiresAt <= now) return undefined;
      const user = await tx.identity.getUser(session.username);
      return user ? { session, user } : undefined;
    });
    if (!found) return undefined;
    if ('machine' in found) {
      this.machines.set(lookup, found.machine);
      return this.machinePrincipal(found.machine);
    }
    return this.userPrincipal(found.user, found.session);
  }

  /** Still valid: the session exists and has not expired (open streams ask this now and then). */
  async sessionAlive(tokenLookupValue: string): Promise<boolean> {
    const now = this.opts.clock();
    const session = await this.opts.store.read((tx) => tx.identity.sessionByToken(tokenLookupValue));
    return session !== undefined && session.expiresAt > now;
  }

  async signIn(username: string, password: string, from: string | null): Promise<SignedIn> {
    const { policy, store, clock } = this.opts;
    const now = clock();
    const keys = [`user:${username.toLowerCase()}`, ...(from ? [`from:${from}`] : [])];
    const lockedUntil = Math.max(0, ...await store.read(async (tx) => Promise.all(keys.map(async (k) => (await tx.identity.lockedUntil(k)) ?? 0))));
    if (lockedUntil > now) {
      await this.audit('session.refused', username, from, now, { reason: 'locked' });
      this.opts.counted?.('locked');
      throw tooMany(lockedUntil - now);
    }
    const user = await store.read((tx) => tx.identity.getUser(username));
    const matches = await this.opts.hasher.verify(password, user?.passwordHash ?? await this.dummy());
    if (!user || !matches) {
      const locked = await store.write(async (tx) => {
        for (const k of keys) await tx.identity.recordFailure(k, now);
        let lock = false;
        for (const k of keys) {
          const limit = k.startsWith('user:') ? policy.maxFailures : policy.maxFailuresFromAddress;
          if ((await tx.identity.failuresSince(k, now - policy.windowMs)) >= limit) {
            await tx.identity.setLockout(k, now + policy.lockMs);
            lock = true;
          }
        }
        await this.auditIn(tx, 'session.refused', username, from, now, { reason: lock ? 'wrong password; now locked' : 'wrong password' });
        return lock;
      });
      this.opts.counted?.('wrong');
      // The same answer whether the username exists or not (OWASP: no account enumeration).
      if (locked) throw tooMany(policy.lockMs);
      throw unauthorized('wrong username or password');
    }
    const token = newToken();
    const session: SessionRecord = { tokenLookup: tokenLookup(token), username: user.username, createdAt: now, expiresAt: now + policy.sessionMs, from };
    await store.write(async (tx) => {
      await tx.identity.clearFailures(keys[0]!);
      await tx.identity.createSession(session);
      await this.auditIn(tx, 'session.signed_in', user.username, from, now, { expiresAt: session.expiresAt });
    });
    this.opts.counted?.('ok');
    return { token, expiresAt: session.expiresAt, username: user.username, role: user.role };
  }

  async signOut(principal: Principal, from: string | null): Promise<void> {
    const lookup = principal.session?.tokenLookup;
    if (!lookup) throw new HttpError(400, `${principal.kind} ${principal.name} signs in with a long-lived token: there is no session to end`);
    const now = this.opts.clock();
    await this.opts.store.write(async (tx) => {
      await tx.identity.removeSession(lookup);
      await this.auditIn(tx, 'session.signed_out', principal.name, from, now, {});
    });
    this.sessionsEnded.publish([lookup]);
  }

  gatewayPrincipal(gatewayId: string): Principal {
    return { kind: 'gateway', name: gatewayId, role: 'gateway', sites: this.opts.scope.gatewaySites(gatewayId, this.opts.files.sitesOfGateway(gatewayId)) };
  }

  private machinePrincipal(m: MachineRecord): Principal {
    if (m.kind === 'gateway') return this.gatewayPrincipal(m.name);
    return { kind: 'integration', name: m.name, role: m.role, grant: m.grant, sites: this.opts.scope.sitesOf(m.grant) };
  }

  private userPrincipal(user: UserRecord, session: SessionRecord): Principal {
    return {
      kind: 'user', name: user.username, role: user.role, grant: user.grant, sites: this.opts.scope.sitesOf(user.grant),
      session: { tokenLookup: session.tokenLookup, expiresAt: session.expiresAt },
    };
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.opts.hasher.hash(newToken());
    return this.dummyHash;
  }

  private audit(action: 'session.refused', actor: string, from: string | null, at: number, details: Record<string, string | number>): Promise<void> {
    return this.opts.store.write((tx) => this.auditIn(tx, action, actor, from, at, details));
  }

  private async auditIn(
    tx: Parameters<Parameters<ServerStore['write']>[0]>[0],
    action: 'session.refused' | 'session.signed_in' | 'session.signed_out',
    actor: string, from: string | null, at: number, details: Record<string, string | number>,
  ): Promise<void> {
    await tx.audit.append({ at, actor: actor.slice(0, 128) || '(empty)', from, action, siteId: null, alarmId: null, residentId: null, details });
  }
}

function tooMany(retryMs: number): HttpError {
  const seconds = Math.max(1, Math.ceil(retryMs / 1000));
  return new HttpError(429, `too many failed sign-ins: try again in ${Math.ceil(seconds / 60)} minute(s)`, { 'Retry-After': String(seconds) });
}
