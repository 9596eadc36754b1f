import { newToken } from '../../../contract/index.ts';
import type { Role } from '../../../contract/index.ts';
import { badRequest, conflict, notFound } from '../../http-error.ts';
import { auditProvisioning } from '../registry/provisioning-change.ts';
import type { Actor, ProvisioningChange } from '../registry/provisioning-change.ts';
import type { Grant, MachineRecord, UserRecord } from '../store/identity-store.ts';
import type { ServerStore } from '../store/types.ts';
import { tokenLookup } from './identity-service.ts';
import type { PasswordHasher } from './password-hash.ts';

/** NIST SP 800-63B 5.1.1.2 asks at least 8 characters of a chosen password; we ask 12. */
export const MIN_PASSWORD = 12;

/** Why the caller may not hand out `grant` (or change the account as it is now), or undefined. */
export type AccountAuthority = (grant: Grant, current: Grant | undefined) => string | undefined;
/** Why the caller may not manage a gateway under `regionId`, or undefined. */
export type GatewayAuthority = (regionId: string | null, current: MachineRecord | undefined) => string | undefined;

export interface AccountsOptions {
  store: ServerStore;
  hasher: PasswordHasher;
  clock: () => number;
  committed: (change: ProvisioningChange) => Promise<void>;
  /** After a commit that ended sessions, so their open streams close. */
  sessionsEnded: (username: string) => void;
}

export interface UserInput {
  username: string;
  role: Exclude<Role, 'gateway'>;
  grant: Grant;
  /** Absent on a new user: one is generated and returned once. */
  password?: string | undefined;
}

/**
 * People, integrations and gateways as the admin API manages them. Passwords and tokens are made
 * or taken here, hashed, and returned to the caller once; the store keeps hashes only.
 */
export class Accounts {
  constructor(private readonly opts: AccountsOptions) {}

  async putUser(actor: Actor, input: UserInput, authorize: AccountAuthority): Promise<{ created: boolean; password?: string }> {
    if (input.password !== undefined && input.password.length < MIN_PASSWORD) throw badRequest(`password: at least ${MIN_PASSWORD} characters`);
    const current = await this.opts.store.read((tx) => tx.identity.getUser(input.username));
    const refusal = authorize(input.grant, current?.grant);
    if (refusal) throw current && authorize(current.grant, undefined) ? notFound(`no user ${input.username} in your scope`) : badRequest(refusal);
    const generated = !current && input.password === undefined ? newToken().slice(0, 20) : undefined;
    const password = input.password ?? generated;
    const passwordHash = password !== undefined ? await this.opts.hasher.hash(password) : current!.passwordHash;
    const at = this.opts.clock();
    const version = await this.opts.store.write(async (tx) => {
      const now = await tx.identity.getUser(input.username);
      if (Boolean(now) !== Boolean(current)) throw conflict(`user ${input.username} was changed meanwhile; try again`);
      const user: UserRecord = { username: input.username, role: input.role, grant: input.grant, passwordHash, createdAt: now?.createdAt ?? at, updatedAt: at };
      await tx.identity.putUser(user);
      // A new password ends the sessions signed in with the old one.
      if (current && input.password !== undefined) await tx.identity.removeSessionsOf(input.username);
      const v = await tx.registry.nextVersion();
      await auditProvisioning(tx, at, actor, { what: 'user', op: current ? 'change' : 'add', user: input.username, role: input.role, version: v });
      return v;
    });
    await this.opts.committed({ version, what: 'accounts', gateways: [], accounts: [input.username] });
    if (current && input.password !== undefined) this.opts.sessionsEnded(input.username);
    return { created: !current, ...(generated ? { password: generated } : {}) };
  }

  async removeUser(actor: Actor, username: string, authorize: AccountAuthority): Promise<void> {
    if (username === actor.name) throw badRequest('you may not remove yourself');
    const at = this.opts.clock();
    const version = await this.opts.store.write(async (tx) => {
      const user = await tx.identity.getUser(username);
      if (!user || authorize(user.grant, user.grant)) throw notFound(`no user ${username} in your scope`);
      await tx.identity.removeUser(username);
      const v = await tx.registry.nextVersion();
      await auditProvisioning(tx, at, actor, { what: 'user', op: 'remove', user: username, version: v });
      return v;
    });
    await this.opts.committed({ version, what: 'accounts', gateways: [], accounts: [username] });
    this.opts.sessionsEnded(username);
  }

  users(): Promise<UserRecord[]> {
    return this.opts.store.read((tx) => tx.identity.users());
  }

  /**
   * Adds or changes a gateway or an integration. A new one, or `rotate`, gets a new token,
   * returned once; the old token stops working at once.
   */
  async putMachine(
    actor: Actor,
    input: { name: string; kind: MachineRecord['kind']; role: Role; grant: Grant; regionId: string | null; rotate?: boolean },
    authorize: (current: MachineRecord | undefined) => string | undefined,
  ): Promise<{ created: boolean; token?: string }> {
    const at = this.opts.clock();
    let token: string | undefined;
    const result = await this.opts.store.write(async (tx) => {
      const current = await tx.identity.getMachine(input.name);
      if (current && current.kind !== input.kind) throw conflict(`${input.name} is ${current.kind === 'gateway' ? 'a gateway' : 'an integration'}`);
      const refusal = authorize(current);
      if (refusal) throw current ? notFound(`no ${input.kind} ${input.name} in your scope`) : badRequest(refusal);
      if (!current || input.rotate) token = newToken();
      await tx.identity.putMachine({
        name: input.name, kind: input.kind, role: input.role, grant: input.grant, regionId: input.regionId,
        tokenLookup: token ? tokenLookup(token) : current!.tokenLookup, createdAt: current?.createdAt ?? at, updatedAt: at,
      });
      const v = await tx.registry.nextVersion();
      await auditProvisioning(tx, at, actor, { what: input.kind, op: current ? (input.rotate ? 'rotate token' : 'change') : 'add', name: input.name, version: v });
      return { version: v, created: !current };
    });
    await this.opts.committed({ version: result.version, what: 'accounts', gateways: [], accounts: [input.name] });
    return { created: result.created, ...(token ? { token } : {}) };
  }

  async removeMachine(actor: Actor, name: string, kind: MachineRecord['kind'], authorize: (current: MachineRecord) => string | undefined): Promise<void> {
    const at = this.opts.clock();
    const version = await this.opts.store.write(async (tx) => {
      const current = await tx.identity.getMachine(name);
      if (!current || current.kind !== kind || authorize(current)) throw notFound(`no ${kind} ${name} in your scope`);
      if (kind === 'gateway') {
        const sites = (await tx.registry.siteRefs()).filter((s) => s.gatewayId === name).length;
        if (sites > 0) throw conflict(`gateway ${name} still serves ${sites} site(s): move or remove them first`);
      }
      await tx.identity.removeMachine(name);
      const v = await tx.registry.nextVersion();
      await auditProvisioning(tx, at, actor, { what: kind, op: 'remove', name, version: v });
      return v;
    });
    await this.opts.committed({ version, what: 'accounts', gateways: [], accounts: [name] });
  }

  machines(): Promise<MachineRecord[]> {
    return this.opts.store.read((tx) => tx.identity.machines());
  }
}
