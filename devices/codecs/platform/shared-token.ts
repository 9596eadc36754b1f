import { timingSafeEqual } from 'node:crypto';
import { accept, reject, type Decoded } from '../../decoded.ts';
import type { PushRequest } from './types.ts';

export const PUSH_TOKEN_HEADER = 'x-carewatch-push-token';

/** Constant-time string equality (length leaks, content does not). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * For platforms that do not sign their pushes: the configured secret must come back either as
 * `?token=` in the push URL registered with the platform, or in the `x-carewatch-push-token`
 * header (a reverse proxy can add it). No secret configured → accepted (the gateway warns).
 */
export function verifySharedToken(req: PushRequest, secret: string | undefined): Decoded<void> {
  if (secret === undefined) return accept(undefined);
  const given = req.query?.token ?? req.headers[PUSH_TOKEN_HEADER];
  if (given === undefined) return reject('auth', `no push token: expected ?token= or ${PUSH_TOKEN_HEADER}`);
  return sameSecret(given, secret) ? accept(undefined) : reject('auth', 'push token does not match the configured secret');
}
