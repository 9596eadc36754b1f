import Fastify, { type FastifyInstance } from 'fastify';
import { LISTEN_BACKLOG } from '../../contract/connection-gate.ts';
import type { GatewayStatus } from '../gateway.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { renderStatusPage } from './status-page.ts';

export interface GatewayHttpOptions {
  host: string;
  port: number;
  status: () => GatewayStatus;
  metrics: Metrics;
  log: Logger;
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
    app.get('/status.json', async () => this.opts.status());
    app.get('/metrics', async (_req, reply) => reply.type(this.opts.metrics.contentType).send(await this.opts.metrics.render()));
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(renderStatusPage(this.opts.status())));
    for (const register of this.opts.routes ?? []) await register(app);
    await app.listen({ host: this.opts.host, port: this.opts.port, backlog: LISTEN_BACKLOG });
    app.server.on('connection', (s) => s.setNoDelay(true));
    const address = app.server.address() as { address: string; port: number };
    return { host: address.address, port: address.port };
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }
}
