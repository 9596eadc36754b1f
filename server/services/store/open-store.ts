import { ConfigError } from '../../../contract/cli.ts';
import { openPgStore } from './pg-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { ServerStore } from './types.ts';

/** A `--store` value that names no store: one line, exit 1 (contract/cli.ts). */
export class StoreSpecError extends ConfigError {}

/**
 * The store a server runs on (`--store`, `CAREWATCH_STORE`): the embedded `{dataDir}/server.db`
 * when empty or `embedded` (the default: one process, nothing else to run), PostgreSQL for a
 * `postgres://` or `postgresql://` URL (several replicas on one database, docs/scale-out.md).
 */
export async function openServerStore(spec: string | undefined, dataDir: string, onIdleError?: (error: Error) => void): Promise<ServerStore> {
  const value = spec?.trim() ?? '';
  if (value === '' || value === 'embedded') return openSqliteStore(dataDir);
  if (/^postgres(ql)?:\/\//.test(value)) return openPgStore(value, onIdleError ? { onIdleError } : {});
  throw new StoreSpecError(`unknown store '${redact(value)}': give 'embedded' or a postgres://user@host:port/database URL`);
}

/** A store URL as logs may show it: any password replaced. */
export function redact(spec: string): string {
  return spec.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
