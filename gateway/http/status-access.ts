import { isStaffToken } from '../alarm-page/staff-token.ts';

/**
 * Who may read the gateway's status page, status.json and metrics (issue 16: they "answered
 * anyone"; they name sites, devices, queue depths and receiving centres). This machine (loopback:
 * the operator's shell, a local Prometheus, the benches) reads them freely; from the network they
 * answer only to the local staff token (`Authorization: Bearer …` — what Prometheus'
 * `authorization` scrape setting sends — or the alarm page's sign-in cookie), the one token of the
 * gateway's own HTTP (alarm-page/staff-token.ts).
 */
export type StatusAccess = 'ok' | 'token_required' | 'bad_token';

/** The paths this applies to; the alarm page guards its own (alarm-page/staff-guard.ts). */
export const STATUS_PATHS: ReadonlySet<string> = new Set(['/', '/status.json', '/metrics']);

export function statusAccess(remoteAddress: string | undefined, presented: string | undefined, staffToken: string | undefined): StatusAccess {
  if (isLoopback(remoteAddress)) return 'ok';
  if (presented === undefined) return 'token_required';
  return staffToken !== undefined && isStaffToken(presented, staffToken) ? 'ok' : 'bad_token';
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
