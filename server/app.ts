import Fastify, { LogController } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { API_PREFIX } from '../contract/index.ts';
import type { ServerProvisioning } from '../contract/index.ts';
import alarmsPlugin from './plugins/app/alarms.ts';
import authPlugin from './plugins/app/auth.ts';
import busPlugin from './plugins/app/bus.ts';
import type { AuthOptions } from './plugins/app/auth.ts';
import escalationPlugin from './plugins/app/escalation.ts';
import type { EscalationOptions } from './plugins/app/escalation.ts';
import eventLoopWatchPlugin from './plugins/app/event-loop-watch.ts';
import gatewayWatchPlugin from './plugins/app/gateway-watch.ts';
import historyPlugin from './plugins/app/history.ts';
import jetStreamIngestPlugin from './plugins/app/jetstream-ingest.ts';
import metricsPlugin from './plugins/app/metrics.ts';
import privacyPlugin from './plugins/app/privacy.ts';
import type { PrivacyOptions } from './plugins/app/privacy.ts';
import registryPlugin from './plugins/app/registry.ts';
import retentionPlugin from './plugins/app/retention.ts';
import storePlugin from './plugins/app/store.ts';
import connectionCaps, { type ConnectionCapsOptions } from './plugins/external/connection-caps.ts';
import errorHandler from './plugins/external/error-handler.ts';
import zodCompiler from './plugins/external/zod-compiler.ts';
import apiRoutes from './routes/api/index.ts';
import consoleRoutes from './routes/console.ts';
import healthRoutes from './routes/health.ts';

export interface ServerOptions {
  /** Where `server.db` lives (and the data key, history.db, escalation.json by default). */
  dataDir: string;
  /** `postgres://…` puts the server store on PostgreSQL (issue 22, docs/scale-out.md); default the embedded `server.db`. */
  store?: string | undefined;
  /** Users and gateways with hashed tokens (contract `ServerProvisioning`, already validated). */
  provisioning: ServerProvisioning;
  /** Fastify's logger option; off by default (tests), main.ts turns it on. */
  logger?: boolean | object;
  /** A gateway silent longer than this gets `gateway.offline` (default 90 s: three missed 30 s heartbeats). */
  gatewaySilenceSec?: number;
  /** Epoch-ms clock for stored times and silence checks; tests pass a fake. */
  clock?: () => number;
  /** Where the key sealing residents' personal data comes from (default `{dataDir}/data.key`, made on first start). */
  dataKey?: PrivacyOptions['dataKey'];
  /** scrypt cost of new password hashes (default OWASP's N=2^17, r=8, p=1). */
  passwordCost?: AuthOptions['passwordCost'];
  /** Sign-in lockout and session length (server/services/identity/identity-service.ts). */
  signIn?: AuthOptions['signIn'];
  /** The first administrator's password; else one is generated into `{dataDir}/initial-admin-password`. */
  adminPassword?: string | undefined;
  /** Escalation configuration file or value, public URL, and manual timers for tests in controlled time (issue 18). */
  escalation?: Omit<EscalationOptions, 'dataDir' | 'clock'> | undefined;
  /** InfluxDB 1.x for the history (`http://host:8086/database`); main.ts reads CAREWATCH_INFLUX_URL); else `{dataDir}/history.db`. */
  influxUrl?: string | undefined;
  /** The replicas' bus: `nats://…` (issue 22, docs/scale-out.md); absent, one replica with an in-process bus. */
  busUrl?: string | undefined;
  /** Take gateway events from the JetStream delivery stream too (needs `busUrl`; issue 22). */
  jetstreamIngest?: boolean | undefined;
  /** Socket caps and the pre-request timeout (server/plugins/external/connection-caps.ts). */
  connections?: ConnectionCapsOptions;
}

export const DEFAULT_GATEWAY_SILENCE_SEC = 90;

/**
 * The central server, in fastify/demo's order: external plugins (schemas, errors), then the
 * app's services as named plugins (store → metrics → privacy → registry → auth → alarms → gateway watch), then routes.
 * Nothing listens yet: tests call `inject()`, main.ts calls `listen()`.
 */
export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const clock = opts.clock ?? Date.now;
  // Per-request log lines would drown the log at ingest rates; /metrics counts requests, and the
  // error handler logs every 5xx. forceCloseConnections: keep-alive sockets never hold up close().
  const app = Fastify({
    logger: opts.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    // The first start hashes the first administrator's password (scrypt, 128 MiB) in onReady; on a
    // loaded 2-core machine that outlasts fastify's 10 s default and the start failed.
    pluginTimeout: 120_000,
  });
  try {
    await app.register(zodCompiler);
    await app.register(errorHandler);
    await app.register(storePlugin, { dataDir: opts.dataDir, store: opts.store });
    await app.register(metricsPlugin);
    await app.register(busPlugin, { url: opts.busUrl });
    await app.register(connectionCaps, opts.connections ?? {});
    await app.register(eventLoopWatchPlugin);
    await app.register(historyPlugin, { dataDir: opts.dataDir, influxUrl: opts.influxUrl, clock });
    await app.register(privacyPlugin, { dataDir: opts.dataDir, dataKey: opts.dataKey });
    await app.register(registryPlugin, { clock });
    await app.register(authPlugin, {
      provisioning: opts.provisioning, clock, dataDir: opts.dataDir,
      passwordCost: opts.passwordCost, signIn: opts.signIn, adminPassword: opts.adminPassword,
    });
    await app.register(retentionPlugin, { clock });
    await app.register(alarmsPlugin, { clock });
    await app.register(escalationPlugin, { dataDir: opts.dataDir, clock, ...opts.escalation });
    await app.register(gatewayWatchPlugin, { clock, silenceSec: opts.gatewaySilenceSec ?? DEFAULT_GATEWAY_SILENCE_SEC });
    await app.register(jetStreamIngestPlugin, { enabled: opts.jetstreamIngest ?? false, clock });
    await app.register(healthRoutes);
    await app.register(consoleRoutes);
    await app.register(apiRoutes, { prefix: API_PREFIX });
    await app.ready();
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  return app;
}
