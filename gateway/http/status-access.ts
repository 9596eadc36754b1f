import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may read the gateway's status page, status.json and metrics (issue 16: they "answer
 * anyone"; they name sites, devices, queue depths and receiving centres). With a status token
 * configured, every request must carry it (`Authorization: Bearer …`, what Prometheus'
 * `authorization` scrape setting sends); with none, only this machine (loopback) is answered —
 * fail closed for a gateway whose HTTP port was opened to the network without a token.
 */
export type StatusAccess = 'ok' | 'token_required' | 'bad_token';

export function statusAccess(remoteAddress: string | undefined, authorization: string | undefined, token: string | undefined): StatusAccess {
  if (token !== undefined) {
    const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (given === undefined) return 'token_required';
    return sameSecret(given, token) ? 'ok' : 'bad_token';
  }
  return isLoopback(remoteAddress) ? 'ok' : 'token_required';
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** Constant time whatever the lengths: both sides hashed first. */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}
