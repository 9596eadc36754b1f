import Fastify, { type FastifyInstance } from 'fastify';
import type { GatewayStatus } from '../gateway.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { statusAccess } from './status-access.ts';
import { renderStatusPage } from './status-page.ts';

export interface GatewayHttpOptions {
  host: string;
  port: number;
  status: () => GatewayStatus;
  metrics: Metrics;
  log: Logger;
  /** Bearer token the status page, status.json and metrics require; absent: loopback only (status-access.ts). */
  statusToken?: string | undefined;
  /** More routes (the platform push receiver), registered by their own modules. */
  routes?: Array<(app: FastifyInstance) => void | Promise<void>>;
}

/** The gateway's own HTTP: a local status page, /healthz, /metrics, and platform pushes. */
export class GatewayHttp {
  private app: FastifyInstance | undefined;

  constructor(private readonly opts: GatewayHttpOptions) {}

  async start(): Promise<{ host: string; port: number }> {
    const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
    this.app = app;
    app.get('/healthz', async () => ({ status: 'ok' }));
    // Everything but liveness shows the sites' inside: not for anyone on the network (issue 16).
    const refused = this.opts.metrics.counter('carewatch_status_refused_total', 'requests for the status page or metrics refused (no or wrong token, or off this machine without a configured token)');
    app.addHook('onRequest', async (req, reply) => {
      if (req.url === '/healthz') return;
      const access = statusAccess(req.socket.remoteAddress, req.headers.authorization, this.opts.statusToken);
      if (access === 'ok') return;
      refused({ why: access });
      const message = access === 'bad_token' ? 'wrong status token'
        : this.opts.statusToken === undefined ? 'the status page answers this machine only; set CAREWATCH_STATUS_TOKEN to read it from the network'
          : 'this page needs the status token (Authorization: Bearer …)';
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message });
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
