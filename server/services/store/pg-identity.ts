import type { Role } from '../../../contract/index.ts';
import type { Grant, IdentityStore, MachineRecord, SessionRecord, UserRecord } from './identity-store.ts';
import type { PgSql } from './pg-sql.ts';

interface UserRow { username: string; role: UserRecord['role']; grant_json: string; password_hash: string; created_at: number; updated_at: number }
interface MachineRow {
  name: string; kind: MachineRecord['kind']; role: Role; grant_json: string; region_id: string | null; token_lookup: string; created_at: number; updated_at: number;
}
interface SessionRow { token_lookup: string; username: string; created_at: number; expires_at: number; from_address: string | null }

/** sqlite-identity.ts in PostgreSQL: every replica sees the same sessions, failures and lockouts. */
export class PgIdentityStore implements IdentityStore {
  constructor(private readonly sql: PgSql) {}

  async putUser(user: UserRecord): Promise<void> {
    await this.sql.run('user_put', `INSERT INTO users (username, role, grant_json, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (username) DO UPDATE SET role = excluded.role, grant_json = excluded.grant_json,
        password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
    [user.username, user.role, JSON.stringify(user.grant), user.passwordHash, user.createdAt, user.updatedAt]);
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const row = await this.sql.one<UserRow>('user_get', 'SELECT * FROM users WHERE username = $1', [username]);
    return row ? toUser(row) : undefined;
  }

  async removeUser(username: string): Promise<boolean> {
    await this.removeSessionsOf(username);
    return (await this.sql.run('user_remove', 'DELETE FROM users WHERE username = $1', [username])) > 0;
  }

  async users(): Promise<UserRecord[]> {
    return (await this.sql.rows<UserRow>('users_all', 'SELECT * FROM users ORDER BY username')).map(toUser);
  }

  async countAdmins(): Promise<number> {
    return (await this.sql.one<{ n: number }>('users_admins', "SELECT count(*) AS n FROM users WHERE role = 'admin'"))?.n ?? 0;
  }

  async putMachine(machine: MachineRecord): Promise<void> {
    await this.sql.run('machine_put', `INSERT INTO machines (name, kind, role, grant_json, region_id, token_lookup, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, role = excluded.role, grant_json = excluded.grant_json,
        region_id = excluded.region_id, token_lookup = excluded.token_lookup, updated_at = excluded.updated_at`,
    [machine.name, machine.kind, machine.role, JSON.stringify(machine.grant), machine.regionId, machine.tokenLookup, machine.createdAt, machine.updatedAt]);
  }

  async getMachine(name: string): Promise<MachineRecord | undefined> {
    const row = await this.sql.one<MachineRow>('machine_get', 'SELECT * FROM machines WHERE name = $1', [name]);
    return row ? toMachine(row) : undefined;
  }

  async machineByToken(tokenLookup: string): Promise<MachineRecord | undefined> {
    const row = await this.sql.one<MachineRow>('machine_by_token', 'SELECT * FROM machines WHERE token_lookup = $1', [tokenLookup]);
    return row ? toMachine(row) : undefined;
  }

  async removeMachine(name: string): Promise<boolean> {
    return (await this.sql.run('machine_remove', 'DELETE FROM machines WHERE name = $1', [name])) > 0;
  }

  async machines(): Promise<MachineRecord[]> {
    return (await this.sql.rows<MachineRow>('machines_all', 'SELECT * FROM machines ORDER BY name')).map(toMachine);
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.sql.run('session_add', 'INSERT INTO sessions (token_lookup, username, created_at, expires_at, from_address) VALUES ($1, $2, $3, $4, $5)',
      [session.tokenLookup, session.username, session.createdAt, session.expiresAt, session.from]);
  }

  async sessionByToken(tokenLookup: string): Promise<SessionRecord | undefined> {
    const row = await this.sql.one<SessionRow>('session_get', 'SELECT * FROM sessions WHERE token_lookup = $1', [tokenLookup]);
    return row ? { tokenLookup: row.token_lookup, username: row.username, createdAt: row.created_at, expiresAt: row.expires_at, from: row.from_address } : undefined;
  }

  async removeSession(tokenLookup: string): Promise<boolean> {
    return (await this.sql.run('session_remove', 'DELETE FROM sessions WHERE token_lookup = $1', [tokenLookup])) > 0;
  }

  async removeSessionsOf(username: string): Promise<number> {
    return this.sql.run('sessions_remove_of', 'DELETE FROM sessions WHERE username = $1', [username]);
  }

  async pruneSessions(now: number): Promise<number> {
    return this.sql.run('sessions_prune', 'DELETE FROM sessions WHERE expires_at <= $1', [now]);
  }

  async recordFailure(key: string, at: number): Promise<void> {
    await this.sql.run('failure_add', 'INSERT INTO signin_failures (key, at) VALUES ($1, $2)', [key, at]);
  }

  async failuresSince(key: string, since: number): Promise<number> {
    return (await this.sql.one<{ n: number }>('failures_count', 'SELECT count(*) AS n FROM signin_failures WHERE key = $1 AND at >= $2', [key, since]))?.n ?? 0;
  }

  async clearFailures(key: string): Promise<void> {
    await this.sql.run('failures_clear', 'DELETE FROM signin_failures WHERE key = $1', [key]);
  }

  async setLockout(key: string, until: number): Promise<void> {
    await this.sql.run('lockout_set', 'INSERT INTO signin_lockouts (key, until) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET until = excluded.until', [key, until]);
  }

  async lockedUntil(key: string): Promise<number | undefined> {
    return (await this.sql.one<{ until: number }>('lockout_get', 'SELECT until FROM signin_lockouts WHERE key = $1', [key]))?.until;
  }

  async pruneFailures(before: number): Promise<number> {
    return (await this.sql.run('failures_prune', 'DELETE FROM signin_failures WHERE at < $1', [before]))
      + (await this.sql.run('lockouts_prune', 'DELETE FROM signin_lockouts WHERE until < $1', [before]));
  }
}

function toUser(row: UserRow): UserRecord {
  return {
    username: row.username, role: row.role, grant: JSON.parse(row.grant_json) as Grant, passwordHash: row.password_hash,
    createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function toMachine(row: MachineRow): MachineRecord {
  return {
    name: row.name, kind: row.kind, role: row.role, grant: JSON.parse(row.grant_json) as Grant, regionId: row.region_id,
    tokenLookup: row.token_lookup, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}
