import type Database from 'better-sqlite3';
import { type SchedulerLike, asyncScheduler } from 'rxjs';
import { getProfile } from '../devices/registry.ts';
import { Forwarder } from './forwarder/forwarder.ts';
import { Heartbeat } from './heartbeat.ts';
import { GatewayHttp } from './http/gateway-http.ts';
import { type Logger, createLogger } from './log.ts';
import { Metrics } from './metrics.ts';
import { MqttCredentials } from './mqtt/client-identity.ts';
import { MqttBroker } from './mqtt/mqtt-broker.ts';
import { MqttIngest } from './mqtt/mqtt-ingest.ts';
import { SqliteOutbox } from './outbox/sqlite-outbox.ts';
import { Rejections } from './rejections.ts';
import { loadSiteFile } from './site/load-site-file.ts';
import { listSiteFiles } from './site/list-site-files.ts';
import { SiteRegistry } from './sites/site-registry.ts';
import { SiteRuntime } from './sites/site-runtime.ts';
import { type Durability, openGatewayDb } from './store/open-gateway-db.ts';

export interface GatewayOptions {
  gatewayId: string;
  /** Site files, or folders of them (a regional gateway's homes). */
  sites: string[];
  serverUrl: string;
  token: string;
  dataDir: string;
  credentialsFile: string;
  mqtt: { host: string; port: number; maxPacketBytes?: number; tls?: { keyFile: string; certFile: string } };
  http: { host: string; port: number };
  durability?: Durability;
  heartbeatMs?: number;
  scheduler?: SchedulerLike;
  log?: Logger;
}

export class SiteConfigError extends Error {
  readonly code = 'SITE_CONFIG';
  constructor(readonly problems: string[]) {
    super(`site configuration refused:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * One edge gateway: site files in, device links up, rules running per site, events out through
 * the durable outbox to the server. `stop()` undoes exactly what `start()` did.
 */
export class Gateway {
  readonly metrics = new Metrics();
  readonly log: Logger;
  readonly rejections: Rejections;
  private db: Database.Database | undefined;
  private outbox: SqliteOutbox | undefined;
  private registry: SiteRegistry | undefined;
  private broker: MqttBroker | undefined;
  private forwarder: Forwarder | undefined;
  private heartbeat: Heartbeat | undefined;
  private http: GatewayHttp | undefined;
  private startedAt = 0;
  addresses: { mqtt: { host: string; port: number }; http: { host: string; port: number } } | undefined;

  constructor(private readonly opts: GatewayOptions) {
    this.log = opts.log ?? createLogger('gateway');
    this.rejections = new Rejections(this.metrics, this.log);
  }

  get sites(): SiteRegistry {
    if (!this.registry) throw new Error('gateway not started');
    return this.registry;
  }

  async start(): Promise<void> {
    const { opts, log } = this;
    const loaded = listSiteFiles(opts.sites).map((file) => loadSiteFile(file, getProfile));
    const problems = loaded.flatMap((r) => (r.ok ? [] : r.errors.map((e) => `${r.file}: ${e}`)));
    if (problems.length > 0) throw new SiteConfigError(problems);
    const credentials = MqttCredentials.fromFile(opts.credentialsFile);
    const scheduler = opts.scheduler ?? asyncScheduler;

    this.startedAt = Date.now();
    const db = openGatewayDb(opts.dataDir, opts.durability);
    this.db = db;
    const outbox = new SqliteOutbox({ db, clock: () => Date.now() });
    this.outbox = outbox;
    const registry = new SiteRegistry((site) => new SiteRuntime(site, { db, outbox, scheduler, log }));
    this.registry = registry;
    for (const r of loaded) {
      if (!r.ok) continue;
      const conflicts = registry.upsert(r.site);
      if (conflicts.length > 0) throw new SiteConfigError(conflicts);
    }
    const depth = this.metrics.gauge('carewatch_outbox_events', 'Events waiting in the outbox, by lane');
    this.metrics.onCollect(() => { for (const [lane, n] of Object.entries(outbox.depth())) depth({ lane }, n); });

    this.broker = new MqttBroker({
      ...opts.mqtt,
      credentials,
      ingest: new MqttIngest(registry, () => Date.now()),
      rejections: this.rejections,
      metrics: this.metrics,
      log,
    });
    const mqtt = await this.broker.start();
    this.forwarder = new Forwarder({ serverUrl: opts.serverUrl, gatewayId: opts.gatewayId, token: opts.token, outbox, log });
    this.forwarder.start();
    this.heartbeat = new Heartbeat({
      serverUrl: opts.serverUrl,
      token: opts.token,
      everyMs: opts.heartbeatMs ?? 30_000,
      log,
      body: () => ({
        gatewayId: opts.gatewayId,
        siteIds: registry.siteIds(),
        outboxDepth: Object.values(outbox.depth()).reduce((a, b) => a + b, 0),
        startedAt: this.startedAt,
      }),
    });
    this.heartbeat.start();
    this.http = new GatewayHttp({ ...opts.http, status: () => this.status(), metrics: this.metrics, log });
    const http = await this.http.start();
    this.addresses = { mqtt, http };
    log.info({ sites: registry.size, mqtt: `${mqtt.host}:${mqtt.port}`, http: `${http.host}:${http.port}`, server: opts.serverUrl }, 'gateway started');
  }

  status(): GatewayStatus {
    return {
      gatewayId: this.opts.gatewayId,
      startedAt: new Date(this.startedAt).toISOString(),
      sites: this.registry?.size ?? 0,
      mqttClients: this.broker?.connectedClients ?? 0,
      outbox: this.outbox?.depth() ?? { life_safety: 0, alarm: 0, telemetry: 0 },
      forwarder: this.forwarder?.stats ?? null,
      server: this.opts.serverUrl,
    };
  }

  async stop(): Promise<void> {
    await this.http?.stop();
    this.heartbeat?.stop();
    await this.forwarder?.stop();
    await this.broker?.stop();
    this.registry?.stopAll();
    this.outbox?.close();
    this.db?.close();
    this.http = this.heartbeat = this.forwarder = this.broker = this.registry = this.outbox = this.db = undefined;
  }
}

export interface GatewayStatus {
  gatewayId: string;
  startedAt: string;
  sites: number;
  mqttClients: number;
  outbox: Record<string, number>;
  forwarder: unknown;
  server: string;
}
