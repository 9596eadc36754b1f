import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const STAFF_TOKEN_FILE = 'gateway-staff-token';
export const STAFF_COOKIE = 'carewatch_staff';

export class StaffTokenError extends Error {
  readonly code = 'STAFF_TOKEN';
}

/**
 * The local staff token: what night staff type into the gateway's local alarm page (and a
 * Prometheus scraper presents for its metrics). Made at first start, random, in a file of mode
 * 0600 (issue 16: files 0600), kept across restarts; `file` overrides where it lives.
 */
export function loadStaffToken(dataDir: string, file?: string): { token: string; file: string; created: boolean } {
  const path = file ?? join(dataDir, STAFF_TOKEN_FILE);
  let created = false;
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 16) throw new StaffTokenError(`${path}: the staff token must be at least 16 characters`);
  return { token, file: path, created };
}

/** Constant-time comparison of a presented token with the staff token. */
export function isStaffToken(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request presents: `Authorization: Bearer …`, else the page's HttpOnly cookie. */
export function presentedToken(headers: { authorization?: string | undefined; cookie?: string | undefined }): string | undefined {
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  for (const part of (headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== STAFF_COOKIE) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return v.join('=');
    }
  }
  return undefined;
}
