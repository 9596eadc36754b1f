import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { ConnectionGate, type ConnectionGateOptions, gateHttpServer } from '../../../contract/connection-gate.ts';

export interface ConnectionCapsOptions {
  /** Socket caps (contract/connection-gate.ts); defaults below the descriptor limit. */
  caps?: Omit<ConnectionGateOptions, 'onEvent'>;
  /** Time from connect to the first request (default 10 s). */
  preRequestTimeoutMs?: number;
}

/**
 * Idle sockets cannot exhaust the server's descriptors (issue 16: ~22,000 sockets with no request
 * reached the limit and consoles could not reconnect). A socket is on a 10 s timer until its
 * first request; when the process is at its cap, the oldest socket still without a request is
 * closed to admit the newcomer — so a console reconnecting, which sends its request at once, gets in.
 */
export default fp<ConnectionCapsOptions>(async (app, opts) => {
  const gated = new Counter({
    name: 'carewatch_connections_gated_total',
    help: 'Sockets closed by the connection caps, by listener, kind (refused, evicted, timeout) and why',
    labelNames: ['listener', 'kind', 'why'],
    registers: [app.metrics.registry],
  });
  const gate = new ConnectionGate({
    ...opts.caps,
    onEvent: (e) => gated.inc({ listener: e.listener, kind: e.kind, why: e.kind === 'timeout' ? 'pre_request_timeout' : e.why }),
  });
  gateHttpServer(app.server, gate, { name: 'http', preAuthTimeoutMs: opts.preRequestTimeoutMs ?? 10_000 });
}, { name: 'connection-caps', dependencies: ['metrics'] });
