import Fastify, { type FastifyInstance } from 'fastify';
import { type ConnectionGate, LISTEN_BACKLOG, gateHttpServer } from '../../contract/connection-gate.ts';
import type { Logger } from '../log.ts';
import { type PushRoutesOptions, registerPushRoutes } from './push-routes.ts';

export interface PushListenerOptions extends PushRoutesOptions {
  host: string;
  port: number;
  /** The process's socket caps (contract/connection-gate.ts); a request authenticates a socket. */
  gate: ConnectionGate;
  log: Logger;
  /** Connections of one address with a request in progress or kept alive (default 64). */
  maxPerAddress?: number;
  /** All push connections (default 512). */
  maxConnections?: number;
}

/**
 * Carriers' platform pushes on a listener of their own (default 127.0.0.1:8082; CONTRACT.md put
 * them on the gateway HTTP port — moved, issue 16): the status page and metrics can then require
 * a token, and a push flood meets its own caps — bodies ≤ 64 KiB, tokens checked before a body is
 * read, sockets capped per address and in total, every timeout short — instead of the other
 * listeners'. `stop()` undoes exactly what `start()` did.
 */
export class PushListener {
  private app: FastifyInstance | undefined;

  constructor(private readonly opts: PushListenerOptions) {}

  async start(): Promise<{ host: string; port: number }> {
    const { opts } = this;
    const app = Fastify({
      logger: false,
      bodyLimit: 64 * 1024,
      // A socket that sends nothing for 10 s, a request not whole within 10 s: closed.
      connectionTimeout: 10_000,
      requestTimeout: 10_000,
      keepAliveTimeout: 5_000,
      maxRequestsPerSocket: 1_000,
      forceCloseConnections: true,
    });
    this.app = app;
    app.server.on('connection', (socket) => socket.setNoDelay(true));
    // The first request takes a socket out of the pre-auth pool; over a cap, it is closed.
    gateHttpServer(app.server, opts.gate, {
      name: 'push', preAuthTimeoutMs: 10_000, maxAuthenticatedPerAddress: opts.maxPerAddress ?? 64, maxAuthenticated: opts.maxConnections ?? 512,
    });
    app.get('/healthz', async () => ({ status: 'ok' }));
    await registerPushRoutes(app, opts);
    await app.listen({ host: opts.host, port: opts.port, backlog: LISTEN_BACKLOG });
    const address = app.server.address() as { address: string; port: number };
    return { host: address.address, port: address.port };
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }
}
