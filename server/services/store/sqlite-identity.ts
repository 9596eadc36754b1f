import type { Database, Statement } from 'better-sqlite3';
import type { Role } from '../../../contract/index.ts';
import type { Grant, IdentityStore, MachineRecord, SessionRecord, UserRecord } from './identity-store.ts';

interface UserRow { username: string; role: UserRecord['role']; grant_json: string; password_hash: string; created_at: number; updated_at: number }
interface MachineRow {
  name: string; kind: MachineRecord['kind']; role: Role; grant_json: string; region_id: string | null;
  token_lookup: string; created_at: number; updated_at: number;
}
interface SessionRow { token_lookup: string; username: string; created_at: number; expires_at: number; from_address: string | null }

export class SqliteIdentityStore implements IdentityStore {
  private readonly upsertUser: Statement;
  private readonly oneUser: Statement<[string], UserRow>;
  private readonly deleteUser: Statement<[string]>;
  private readonly allUsers: Statement<[], UserRow>;
  private readonly admins: Statement<[], { n: number }>;
  private readonly upsertMachine: Statement;
  private readonly oneMachine: Statement<[string], MachineRow>;
  private readonly machineToken: Statement<[string], MachineRow>;
  private readonly deleteMachine: Statement<[string]>;
  private readonly allMachines: Statement<[], MachineRow>;
  private readonly insertSession: Statement;
  private readonly oneSession: Statement<[string], SessionRow>;
  private readonly deleteSession: Statement<[string]>;
  private readonly deleteSessionsOf: Statement<[string]>;
  private readonly expire: Statement<[number]>;
  private readonly insertFailure: Statement<[string, number]>;
  private readonly countFailures: Statement<[string, number], { n: number }>;
  private readonly deleteFailures: Statement<[string]>;
  private readonly upsertLockout: Statement<[string, number]>;
  private readonly lockout: Statement<[string], { until: number }>;
  private readonly oldFailures: Statement<[number]>;
  private readonly oldLockouts: Statement<[number]>;

  constructor(db: Database) {
    this.upsertUser = db.prepare(`INSERT INTO users (username, role, grant_json, password_hash, created_at, updated_at)
      VALUES (@username, @role, @grant, @passwordHash, @createdAt, @updatedAt)
      ON CONFLICT (username) DO UPDATE SET role = excluded.role, grant_json = excluded.grant_json,
        password_hash = excluded.password_hash, updated_at = excluded.updated_at`);
    this.oneUser = db.prepare('SELECT * FROM users WHERE username = ?');
    this.deleteUser = db.prepare('DELETE FROM users WHERE username = ?');
    this.allUsers = db.prepare('SELECT * FROM users ORDER BY username');
    this.admins = db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin'");
    this.upsertMachine = db.prepare(`INSERT INTO machines (name, kind, role, grant_json, region_id, token_lookup, created_at, updated_at)
      VALUES (@name, @kind, @role, @grant, @regionId, @tokenLookup, @createdAt, @updatedAt)
      ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, role = excluded.role, grant_json = excluded.grant_json,
        region_id = excluded.region_id, token_lookup = excluded.token_lookup, updated_at = excluded.updated_at`);
    this.oneMachine = db.prepare('SELECT * FROM machines WHERE name = ?');
    this.machineToken = db.prepare('SELECT * FROM machines WHERE token_lookup = ?');
    this.deleteMachine = db.prepare('DELETE FROM machines WHERE name = ?');
    this.allMachines = db.prepare('SELECT * FROM machines ORDER BY name');
    this.insertSession = db.prepare(`INSERT INTO sessions (token_lookup, username, created_at, expires_at, from_address)
      VALUES (@tokenLookup, @username, @createdAt, @expiresAt, @from)`);
    this.oneSession = db.prepare('SELECT * FROM sessions WHERE token_lookup = ?');
    this.deleteSession = db.prepare('DELETE FROM sessions WHERE token_lookup = ?');
    this.deleteSessionsOf = db.prepare('DELETE FROM sessions WHERE username = ?');
    this.expire = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');
    this.insertFailure = db.prepare('INSERT INTO signin_failures (key, at) VALUES (?, ?)');
    this.countFailures = db.prepare('SELECT count(*) AS n FROM signin_failures WHERE key = ? AND at >= ?');
    this.deleteFailures = db.prepare('DELETE FROM signin_failures WHERE key = ?');
    this.upsertLockout = db.prepare('INSERT INTO signin_lockouts (key, until) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET until = excluded.until');
    this.lockout = db.prepare('SELECT until FROM signin_lockouts WHERE key = ?');
    this.oldFailures = db.prepare('DELETE FROM signin_failures WHERE at < ?');
    this.oldLockouts = db.prepare('DELETE FROM signin_lockouts WHERE until < ?');
  }

  async putUser(user: UserRecord): Promise<void> {
    this.upsertUser.run({
      username: user.username, role: user.role, grant: JSON.stringify(user.grant), passwordHash: user.passwordHash,
      createdAt: user.createdAt, updatedAt: user.updatedAt,
    });
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const row = this.oneUser.get(username);
    return row ? toUser(row) : undefined;
  }

  async removeUser(username: string): Promise<boolean> {
    this.deleteSessionsOf.run(username);
    return this.deleteUser.run(username).changes > 0;
  }

  async users(): Promise<UserRecord[]> {
    return this.allUsers.all().map(toUser);
  }

  async countAdmins(): Promise<number> {
    return this.admins.get()?.n ?? 0;
  }

  async putMachine(machine: MachineRecord): Promise<void> {
    this.upsertMachine.run({
      name: machine.name, kind: machine.kind, role: machine.role, grant: JSON.stringify(machine.grant), regionId: machine.regionId,
      tokenLookup: machine.tokenLookup, createdAt: machine.createdAt, updatedAt: machine.updatedAt,
    });
  }

  async getMachine(name: string): Promise<MachineRecord | undefined> {
    const row = this.oneMachine.get(name);
    return row ? toMachine(row) : undefined;
  }

  async machineByToken(tokenLookup: string): Promise<MachineRecord | undefined> {
    const row = this.machineToken.get(tokenLookup);
    return row ? toMachine(row) : undefined;
  }

  async removeMachine(name: string): Promise<boolean> {
    return this.deleteMachine.run(name).changes > 0;
  }

  async machines(): Promise<MachineRecord[]> {
    return this.allMachines.all().map(toMachine);
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.insertSession.run({ ...session });
  }

  async sessionByToken(tokenLookup: string): Promise<SessionRecord | undefined> {
    const row = this.oneSession.get(tokenLookup);
    return row ? { tokenLookup: row.token_lookup, username: row.username, createdAt: row.created_at, expiresAt: row.expires_at, from: row.from_address } : undefined;
  }

  async removeSession(tokenLookup: string): Promise<boolean> {
    return this.deleteSession.run(tokenLookup).changes > 0;
  }

  async removeSessionsOf(username: string): Promise<number> {
    return this.deleteSessionsOf.run(username).changes;
  }

  async pruneSessions(now: number): Promise<number> {
    return this.expire.run(now).changes;
  }

  async recordFailure(key: string, at: number): Promise<void> {
    this.insertFailure.run(key, at);
  }

  async failuresSince(key: string, since: number): Promise<number> {
    return this.countFailures.get(key, since)?.n ?? 0;
  }

  async clearFailures(key: string): Promise<void> {
    this.deleteFailures.run(key);
  }

  async setLockout(key: string, until: number): Promise<void> {
    this.upsertLockout.run(key, until);
  }

  async lockedUntil(key: string): Promise<number | undefined> {
    return this.lockout.get(key)?.until;
  }

  async pruneFailures(before: number): Promise<number> {
    return this.oldFailures.run(before).changes + this.oldLockouts.run(before).changes;
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
