import { describe, expect, it } from 'vitest';
import type { MachineRecord, UserRecord } from '../../server/services/store/identity-store.ts';
import type { StoreUnderTest } from './store-contract.ts';

const user = (username: string, overrides: Partial<UserRecord> = {}): UserRecord => ({
  username, role: 'callcentre', grant: { all: false, regions: ['sc'], sites: [] }, passwordHash: '$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA',
  createdAt: 1, updatedAt: 1, ...overrides,
});
const machine = (name: string, overrides: Partial<MachineRecord> = {}): MachineRecord => ({
  name, kind: 'gateway', role: 'gateway', grant: { all: false, regions: [], sites: [] }, regionId: 'sc', tokenLookup: `lookup-${name}`,
  createdAt: 1, updatedAt: 1, ...overrides,
});

/** The identity store's contract (users, machines, sessions, sign-in failures and lockouts), for every implementation. */
export function describeIdentityStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`identity store contract: ${name}`, () => {
    const withStore = (body: (t: StoreUnderTest) => Promise<void>) => async () => {
      const t = await open();
      try {
        await body(t);
      } finally {
        await t.dispose();
      }
    };

    it('keeps users across a reopen, changes them in place, counts administrators', withStore(async (t) => {
      await t.store.write(async (tx) => {
        await tx.identity.putUser(user('amy'));
        await tx.identity.putUser(user('root', { role: 'admin', grant: { all: true, regions: [], sites: [] } }));
      });
      await t.store.write((tx) => tx.identity.putUser(user('amy', { role: 'staff', grant: { all: false, regions: [], sites: ['home-1'] }, updatedAt: 2, createdAt: 99 })));
      const store = await t.reopen();
      // createdAt stays what it was when the user was made.
      expect(await store.read((tx) => tx.identity.getUser('amy'))).toEqual(user('amy', { role: 'staff', grant: { all: false, regions: [], sites: ['home-1'] }, updatedAt: 2 }));
      expect((await store.read((tx) => tx.identity.users())).map((u) => u.username)).toEqual(['amy', 'root']);
      expect(await store.read((tx) => tx.identity.countAdmins())).toBe(1);
    }));

    it('removes a user with every session of theirs', withStore(async ({ store }) => {
      await store.write(async (tx) => {
        await tx.identity.putUser(user('amy'));
        await tx.identity.createSession({ tokenLookup: 's1', username: 'amy', createdAt: 1, expiresAt: 100, from: '10.0.0.1' });
        await tx.identity.createSession({ tokenLookup: 's2', username: 'amy', createdAt: 1, expiresAt: 100, from: null });
      });
      expect(await store.write((tx) => tx.identity.removeUser('amy'))).toBe(true);
      expect(await store.read((tx) => tx.identity.sessionByToken('s1'))).toBeUndefined();
      expect(await store.read((tx) => tx.identity.sessionByToken('s2'))).toBeUndefined();
      expect(await store.write((tx) => tx.identity.removeUser('amy'))).toBe(false);
    }));

    it('finds machines by token lookup; a new token replaces the old one', withStore(async ({ store }) => {
      await store.write((tx) => tx.identity.putMachine(machine('gw-1')));
      expect(await store.read((tx) => tx.identity.machineByToken('lookup-gw-1'))).toEqual(machine('gw-1'));
      await store.write((tx) => tx.identity.putMachine(machine('gw-1', { tokenLookup: 'rotated', updatedAt: 5 })));
      expect(await store.read((tx) => tx.identity.machineByToken('lookup-gw-1'))).toBeUndefined();
      expect((await store.read((tx) => tx.identity.getMachine('gw-1')))?.tokenLookup).toBe('rotated');
      expect(await store.write((tx) => tx.identity.removeMachine('gw-1'))).toBe(true);
      expect(await store.read((tx) => tx.identity.machines())).toEqual([]);
    }));

    it('keeps sessions until they are removed or expire', withStore(async ({ store }) => {
      await store.write(async (tx) => {
        await tx.identity.createSession({ tokenLookup: 'old', username: 'amy', createdAt: 1, expiresAt: 50, from: null });
        await tx.identity.createSession({ tokenLookup: 'new', username: 'amy', createdAt: 1, expiresAt: 500, from: '::1' });
      });
      expect(await store.write((tx) => tx.identity.pruneSessions(100))).toBe(1);
      expect(await store.read((tx) => tx.identity.sessionByToken('old'))).toBeUndefined();
      expect(await store.read((tx) => tx.identity.sessionByToken('new'))).toEqual({ tokenLookup: 'new', username: 'amy', createdAt: 1, expiresAt: 500, from: '::1' });
      expect(await store.write((tx) => tx.identity.removeSession('new'))).toBe(true);
      expect(await store.write((tx) => tx.identity.removeSessionsOf('amy'))).toBe(0);
    }));

    it('counts sign-in failures in a window, clears them, keeps lockouts, prunes old ones', withStore(async ({ store }) => {
      await store.write(async (tx) => {
        for (const at of [10, 20, 30]) await tx.identity.recordFailure('user:amy', at);
        await tx.identity.recordFailure('from:10.0.0.1', 30);
        await tx.identity.setLockout('user:amy', 1000);
      });
      expect(await store.read((tx) => tx.identity.failuresSince('user:amy', 20))).toBe(2);
      expect(await store.read((tx) => tx.identity.lockedUntil('user:amy'))).toBe(1000);
      await store.write((tx) => tx.identity.setLockout('user:amy', 2000));
      expect(await store.read((tx) => tx.identity.lockedUntil('user:amy'))).toBe(2000);
      await store.write((tx) => tx.identity.clearFailures('user:amy'));
      expect(await store.read((tx) => tx.identity.failuresSince('user:amy', 0))).toBe(0);
      expect(await store.read((tx) => tx.identity.failuresSince('from:10.0.0.1', 0))).toBe(1);
      await store.write((tx) => tx.identity.pruneFailures(3000));
      expect(await store.read((tx) => tx.identity.failuresSince('from:10.0.0.1', 0))).toBe(0);
      expect(await store.read((tx) => tx.identity.lockedUntil('user:amy'))).toBeUndefined();
    }));
  });
}
