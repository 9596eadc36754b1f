import Fastify, { type FastifyInstance } from 'fastify';
import type { GatewayStatus } from '../gateway.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { presentedToken } from '../alarm-page/staff-token.ts';
import { STATUS_PATHS, statusAccess } from './status-access.ts';
import { renderStatusPage } from './status-page.ts';

export interface GatewayHttpOptions {
  host: string;
  port: number;
  status: () => GatewayStatus;
  metrics: Metrics;
  log: Logger;
  /** The local staff token, which the status page and metrics need from off this machine (status-access.ts). */
  staffToken?: () => string | undefined;
  /** More routes (the platform push receiver), registered by their own modules. */
  routes?: Array<(app: FastifyInstance) => void | Promise<void>>;
  /** Hooks every request passes first (the local staff token's gate, alarm-page/staff-guard.ts). */
  guard?: (app: FastifyInstance) => void;
}

/** The gateway's own HTTP: a local status page, /healthz, /metrics, and platform pushes. */
export class GatewayHttp {
  private app: FastifyInstance | undefined;

  constructor(private readonly opts: GatewayHttpOptions) {}

  async start(): Promise<{ host: string; port: number }> {
    const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
    this.app = app;
    this.opts.guard?.(app);
    app.get('/healthz', async () => ({ status: 'ok' }));
    // The status page and metrics show the sites' inside: not for anyone on the network (issue 16).
    const refused = this.opts.metrics.counter('carewatch_status_refused_total', 'requests from the network for the status page or metrics refused for want of the staff token, by why');
    app.addHook('onRequest', async (req, reply) => {
      if (!STATUS_PATHS.has(req.url.split('?')[0]!)) return;
      const access = statusAccess(req.socket.remoteAddress, presentedToken(req.headers), this.opts.staffToken?.());
      if (access === 'ok') return;
      refused({ why: access });
      this.opts.log.warn({ path: req.url.split('?')[0], why: access, remote: req.ip }, 'status page request from the network refused');
      const message = access === 'bad_token' ? 'wrong staff token' : 'from the network the status page and metrics need the gateway\'s staff token (Authorization: Bearer …)';
      return reply.code(401).header('www-authenticate', 'Bearer realm="carewatch-gateway"').send({ error: 'unauthorized', message });
    });
    app.get('/status.json', async () => this.opts.status());
    app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(this.opts.metrics.render()));
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(renderStatusPage(this.opts.status())));
    for (const register of this.opts.routes ?? []) await register(app);
    await app.listen({ host: this.opts.host, port: this.opts.port });
    app.server.on('connection', (s) => s.setNoDelay(true));
    const address = app.server.address() as { address: string; port: number };
    return { host: address.address, port: address.port };
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }
}
