import type { Role } from '../../../contract/index.ts';

/**
 * People, machines and sessions (issue 17). People sign in with a password and get an expiring
 * session; machines (gateways, integrations) hold long-lived tokens. Every secret is stored
 * hashed: passwords with scrypt, tokens by the SHA-256 of their 256 random bits (a lookup key,
 * safe for random tokens; OWASP Password Storage: slow hashes are for human-chosen secrets).
 * Sign-in failures and lockouts live here too, so every server replica sees the same ones.
 */
export interface IdentityStore {
  putUser(user: UserRecord): Promise<void>;
  getUser(username: string): Promise<UserRecord | undefined>;
  /** False when there was no such user. Its sessions go with it. */
  removeUser(username: string): Promise<boolean>;
  users(): Promise<UserRecord[]>;
  countAdmins(): Promise<number>;

  putMachine(machine: MachineRecord): Promise<void>;
  getMachine(name: string): Promise<MachineRecord | undefined>;
  machineByToken(tokenLookup: string): Promise<MachineRecord | undefined>;
  removeMachine(name: string): Promise<boolean>;
  machines(): Promise<MachineRecord[]>;

  createSession(session: SessionRecord): Promise<void>;
  sessionByToken(tokenLookup: string): Promise<SessionRecord | undefined>;
  removeSession(tokenLookup: string): Promise<boolean>;
  removeSessionsOf(username: string): Promise<number>;
  /** Drops sessions that expired before `now`; returns how many. */
  pruneSessions(now: number): Promise<number>;

  /** One failed sign-in against a key (`user:NAME` or `from:ADDRESS`). */
  recordFailure(key: string, at: number): Promise<void>;
  failuresSince(key: string, since: number): Promise<number>;
  clearFailures(key: string): Promise<void>;
  setLockout(key: string, until: number): Promise<void>;
  /** Epoch ms the key stays locked until, or undefined. */
  lockedUntil(key: string): Promise<number | undefined>;
  /** Drops failures and lockouts older than `before`. */
  pruneFailures(before: number): Promise<number>;
}

/** Which sites a principal may see: every site under its region nodes, its sites, or everything. */
export interface Grant {
  all: boolean;
  regions: string[];
  sites: string[];
}

export interface UserRecord {
  username: string;
  role: Exclude<Role, 'gateway'>;
  grant: Grant;
  /** `$scrypt$ln=…,r=…,p=…$salt$hash` (server/services/identity/password-hash.ts). */
  passwordHash: string;
  createdAt: number;
  updatedAt: number;
}

/** A gateway or an integration (a call-centre system, a nurse-call panel): a long-lived token. */
export interface MachineRecord {
  name: string;
  kind: 'gateway' | 'integration';
  /** `gateway` for gateways; a reader role for integrations. */
  role: Role;
  /** What an integration may see; a gateway's sites come from the site registry. */
  grant: Grant;
  /** The region node it is managed under (an admin must hold it to change the machine). */
  regionId: string | null;
  /** SHA-256 (hex) of the token. */
  tokenLookup: string;
  createdAt: number;
  updatedAt: number;
}

export interface SessionRecord {
  /** SHA-256 (hex) of the session token; the token itself is never stored. */
  tokenLookup: string;
  username: string;
  createdAt: number;
  expiresAt: number;
  /** The address it was signed in from. */
  from: string | null;
}
