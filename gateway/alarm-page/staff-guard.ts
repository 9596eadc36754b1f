import type { FastifyInstance } from 'fastify';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { isStaffToken, presentedToken } from './staff-token.ts';

export interface StaffGuardOptions {
  token: string;
  /** Paths that answer only to the staff token. */
  protects: (path: string) => boolean;
  metrics: Metrics;
  log: Logger;
}

/**
 * The gateway HTTP's one gate for the local staff token (issue 15's alarm page; issue 16: the
 * status page and metrics answered anyone). A request without the token, or with a wrong one, is
 * refused with 401, logged (never the token) and counted by why. A browser asking for the status
 * page without it is sent to the alarm page's sign-in form instead.
 */
export function addStaffGuard(app: FastifyInstance, opts: StaffGuardOptions): void {
  const refused = staffRefusals(opts.metrics);
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (!opts.protects(path)) return;
    const presented = presentedToken(req.headers);
    if (isStaffToken(presented, opts.token)) return;
    const why = presented === undefined ? 'missing' : 'wrong';
    refused({ why });
    opts.log.warn({ path, why, remote: req.ip }, 'gateway HTTP request refused: staff token ' + why);
    if (path === '/' && req.method === 'GET' && presented === undefined) return reply.redirect('/alarms');
    return reply.code(401).header('WWW-Authenticate', 'Bearer realm="carewatch-gateway"').send({ error: `the gateway's local staff token is ${why}` });
  });
}

/** Requests refused for want of the staff token (the guard's and the sign-in form's), by why. */
export function staffRefusals(metrics: Metrics): (labels: { why: 'missing' | 'wrong' }) => void {
  return metrics.counter('carewatch_gateway_http_refused_total', 'Requests to the gateway\'s own HTTP refused for want of the local staff token, by why (missing, wrong)');
}
