import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newToken } from '../../../contract/index.ts';
import { ALL_GRANT } from '../scope.ts';
import type { ServerStore } from '../store/types.ts';
import { MIN_PASSWORD } from './accounts.ts';
import type { PasswordHasher } from './password-hash.ts';

export const INITIAL_ADMIN = 'admin';
export const INITIAL_ADMIN_PASSWORD_FILE = 'initial-admin-password';

/**
 * The first administrator of a new installation, so `carewatch admin` has someone to sign in as:
 * user `admin` over every region, with the password from `CAREWATCH_ADMIN_PASSWORD`, else a
 * random one written to `{dataDir}/initial-admin-password` (0600), as Jenkins and Grafana do.
 * Nothing happens once any administrator exists.
 */
export async function ensureAdmin(opts: {
  store: ServerStore;
  hasher: PasswordHasher;
  dataDir: string;
  password?: string | undefined;
  clock: () => number;
}): Promise<{ created: false } | { created: true; passwordFile?: string }> {
  if ((await opts.store.read((tx) => tx.identity.countAdmins())) > 0) return { created: false };
  if (opts.password !== undefined && opts.password.length < MIN_PASSWORD) {
    throw new Error(`CAREWATCH_ADMIN_PASSWORD: at least ${MIN_PASSWORD} characters`);
  }
  const password = opts.password ?? newToken().slice(0, 24);
  const passwordHash = await opts.hasher.hash(password);
  const at = opts.clock();
  await opts.store.write(async (tx) => {
    if ((await tx.identity.countAdmins()) > 0) return;
    await tx.identity.putUser({ username: INITIAL_ADMIN, role: 'admin', grant: ALL_GRANT, passwordHash, createdAt: at, updatedAt: at });
    await tx.audit.append({ at, actor: 'server', from: null, action: 'provisioning.changed', siteId: null, alarmId: null, residentId: null, details: { what: 'user', op: 'add', user: INITIAL_ADMIN, why: 'first start' } });
  });
  if (opts.password !== undefined) return { created: true };
  const passwordFile = join(opts.dataDir, INITIAL_ADMIN_PASSWORD_FILE);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  return { created: true, passwordFile };
}
