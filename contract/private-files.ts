import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data folder holds secrets (hashed credentials, session tokens, residents' data, the
 * outbox): nobody but the service's own user may read it (issue 16: `data/`, `server.db*` and
 * `gateway.db*` were 0755/0644). Folders 0700, files 0600 — also those an older version left
 * readable, so an upgrade closes them.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** The umask the long-running commands set first, so every file they make is private. */
export const PRIVATE_UMASK = 0o077;

/** Makes `dir` (and missing parents) with mode 0700, and tightens it if it already existed. */
export function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
  return dir;
}

/**
 * A SQLite database file in a private folder, created 0600 before SQLite opens it. SQLite makes
 * the `-wal` and `-shm` files with the mode of the database file (sqlite3 os_unix.c
 * findCreateFileMode), so they follow; existing ones are tightened too.
 */
export function privateDbFile(dir: string, name: string): string {
  privateDir(dir);
  const file = join(dir, name);
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(f)) chmodSync(f, PRIVATE_FILE_MODE);
  }
  return file;
}

/** Sets the process umask to 077; returns the previous one. */
export function usePrivateUmask(): number {
  return process.umask(PRIVATE_UMASK);
}
