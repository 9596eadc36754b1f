import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { type SchedulerLike, asyncScheduler } from 'rxjs';
import type { Reading } from '../contract/index.ts';
import { getProfile } from '../devices/registry.ts';
import { Forwarder } from './forwarder/forwarder.ts';
import { JetStreamTransport } from './forwarder/jetstream-transport.ts';
import { Heartbeat } from './heartbeat.ts';
import { EventLoopWatch } from './event-loop-watch.ts';
import { GatewayHttp } from './http/gateway-http.ts';
import { DEFAULT_PUSH_CONFIG, buildPushPlatforms } from './push/push-config.ts';
import { PushDedupe } from './push/push-dedupe.ts';
import { PushListener } from './push/push-listener.ts';
import type { PushBudgetOptions } from './push/push-budget.ts';
import { ConnectionGate, gateHttpServer } from '../contract/connection-gate.ts';
import { WatchListener } from './watch/watch-listener.ts';
import { type Logger, createLogger } from './log.ts';
import { Metrics } from './metrics.ts';
import { MqttCredentials } from './mqtt/client-identity.ts';
import { MqttBroker, type MqttTlsOptions } from './mqtt/mqtt-broker.ts';
import { MqttIngest } from './mqtt/mqtt-ingest.ts';
import { PARKED_LISTED, type GatewayStatus } from '../contract/index.ts';
import { SqliteOutbox } from './outbox/sqlite-outbox.ts';
import { UpstreamLinks } from './upstream/upstream-links.ts';
import { SqliteLocalAlarms } from './store/sqlite-local-alarms.ts';
import { SqliteTroubleMemory } from './store/sqlite-trouble-memory.ts';
import { Rejections } from './rejections.ts';
import type { UpstreamConfig } from '../contract/index.ts';
import { loadSiteFile } from './site/load-site-file.ts';
import { listSiteFiles } from './site/list-site-files.ts';
import { SiteDirectoryWatcher } from './site/site-directory-watcher.ts';
import { SqliteRuleState } from './store/sqlite-rule-state.ts';
import { SiteRegistry } from './site/site-registry.ts';
import { TelemetryLane } from './telemetry/telemetry-lane.ts';
import { SiteRuntime } from './site/site-runtime.ts';
import { GatewayTrouble } from './site/gateway-trouble.ts';
import { UnregisteredDevices } from './site/unregistered-devices.ts';
import { SiteLinks } from './site/site-links.ts';
import { type Durability, openGatewayDb } from './store/open-gateway-db.ts';
import { ConfigPull } from './provisioning/config-pull.ts';
import { ManagedFolder } from './provisioning/managed-folder.ts';
import { readCredentialFile } from './provisioning/managed-credentials.ts';
import { LocalAlarmPage } from './alarm-page/local-alarm-page.ts';

export interface GatewayOptions {
  gatewayId: string;
  /** Site files, or folders of them (a regional gateway's homes). */
  sites: string[];
  serverUrl: string;
  /**
   * Events into a durable NATS JetStream stream instead of HTTP (issue 22, docs/scale-out.md);
   * heartbeats and configuration pulls still go to `serverUrl`. Default: HTTP to `serverUrl`.
   */
  deliverTo?: { via: 'jetstream'; natsUrl: string };
  token: string;
  dataDir: string;
  credentialsFile: string;
  /** `tls` absent: plain MQTT (the CLI's `--mqtt-plain`; in-process tests). */
  mqtt: { host: string; port: number; maxPacketBytes?: number; tls?: MqttTlsOptions };
  http: { host: string; port: number };
  /** Platform pushes' own listener (default 127.0.0.1, port 0 = any free one; the CLI's default is 8082). */
  pushHttp?: { host: string; port: number; bodyLimit?: number; budget?: PushBudgetOptions };
  /** Socket caps shared by every listener of this gateway (contract/connection-gate.ts). */
  connections?: { maxOpen?: number; maxUnauthenticated?: number; maxUnauthenticatedPerAddress?: number; preAuthTimeoutMs?: number };
  /** 4G-watch listener ("3G*" and "IW" on one port). */
  watch: { host: string; port: number; maxConnectionsPerAddress?: number; maxConnections?: number; idleTimeoutSec?: number; loginTimeoutSec?: number; allowFrom?: string[] };
  /** Platform push configuration (gateway/push/push-config.ts); defaults to CTWing and OneNET with tokens from the environment. */
  push?: unknown;
  durability?: Durability;
  /** Receiving centres the sites report to (docs/upstream.md); none when absent. */
  upstream?: UpstreamConfig;
  heartbeatMs?: number;
  /** The telemetry lane to the server's history (issue 19): samples per device at least this often (default 5 min); 0 turns the lane off. */
  telemetrySampleMs?: number;
  /**
   * Site files and folders are watched for changes (file-system notifications, applied within
   * ~100 ms) and rescanned whole every `watchSitesMs` as a safety net; 0 turns both off. Default 30,000 ms.
   */
  watchSitesMs?: number;
  /**
   * Folder of the sites the server manages for this gateway, pulled from `GET /api/v1/gateway/config`
   * and applied hot (gateway/provisioning/, issue 17); none: no pulls, site files only.
   */
  managedSitesDir?: string;
  /** The local staff token's file (default DATA_DIR/gateway-staff-token, made 0600 at first start). */
  staffTokenFile?: string;
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
  private upstream: UpstreamLinks | undefined;
  /** The gateway's own trouble events (storage errors, rules restarted, unregistered devices). */
  trouble: GatewayTrouble | undefined;
  private registry: SiteRegistry | undefined;
  private broker: MqttBroker | undefined;
  private forwarder: Forwarder | undefined;
  private heartbeat: Heartbeat | undefined;
  private http: GatewayHttp | undefined;
  private push: PushListener | undefined;
  private watcher: SiteDirectoryWatcher | undefined;
  private watch: WatchListener | undefined;
  private loopWatch: EventLoopWatch | undefined;
  private configPull: ConfigPull | undefined;
  private telemetry: TelemetryLane | undefined;
  /** Serial receivers and bridges to external brokers of the watched sites. */
  private links: SiteLinks | undefined;
  private startedAt = 0;
  /** The local alarm page and sounders, for while the server is out of reach (issue 15). */
  local: LocalAlarmPage | undefined;
  addresses: Record<'mqtt' | 'http' | 'watch' | 'push', { host: string; port: number }> | undefined;
  /** Socket caps of all listeners, one budget below the descriptor limit. */
  gate: ConnectionGate | undefined;
  /**
   * Every part that started, in start order: `stop()` stops them newest first, so it undoes
   * exactly what `start()` did, a half-started gateway included (Zigbee2MQTT's controller keeps
   * its extensions in one list the same way; STYLE.md). A new part registers with `started()`.
   */
  private readonly parts: GatewayPart[] = [];

  constructor(private readonly opts: GatewayOptions) {
    this.log = opts.log ?? createLogger('gateway');
    this.rejections = new Rejections(this.metrics, this.log);
  }

  get sites(): SiteRegistry {
    if (!this.registry) throw new Error('gateway not started');
    return this.registry;
  }

  async start(): Promise<void> {
    try {
      await this.startParts();
    } catch (err) {
      // Undo what did start (open database, listeners, site timers) so the process can exit.
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  /** Records `part` as started; `stop` is how it is undone (default: its own `stop()`). */
  private started<T extends { stop(): unknown }>(name: string, part: T): T;
  private started<T>(name: string, part: T, stop: () => unknown): T;
  private started<T>(name: string, part: T, stop?: () => unknown): T {
    this.parts.push({ name, stop: stop ?? (() => (part as { stop(): unknown }).stop()) });
    return part;
  }

  private async startParts(): Promise<void> {
    const { opts, log } = this;
    // A file named on the command line must be right, or the gateway does not start; a broken
    // file in a folder of homes is refused alone and the other homes are watched (issue 11).
    const managed = opts.managedSitesDir ? new ManagedFolder(opts.managedSitesDir) : undefined;
    const sitePaths = managed ? [...opts.sites, managed.dir] : opts.sites;
    const named = new Set(opts.sites.filter((p) => !statSync(p, { throwIfNoEntry: false })?.isDirectory()));
    const loaded = listSiteFiles(sitePaths).map((file) => ({ file, result: loadSiteFile(file, getProfile) }));
    const problems = loaded.flatMap(({ file, result }) => (result.ok || !named.has(file) ? [] : result.errors.map((e) => `${file}: ${e}`)));
    if (problems.length > 0) throw new SiteConfigError(problems);
    for (const { file, result } of loaded) {
      if (!result.ok) log.error({ file, errors: result.errors }, 'site file refused; the other sites are watched');
    }
    const push = buildPushPlatforms(opts.push ?? DEFAULT_PUSH_CONFIG);
    if (!push.ok) throw new SiteConfigError(push.errors.map((e) => `push config: ${e}`));
    // The credential file's logins and the managed sites' (a gateway set up only through the server has no file).
    const credentials = new MqttCredentials();
    const loadCredentials = (): void => credentials.replace({
      mqtt: [...readCredentialFile(opts.credentialsFile, managed !== undefined), ...(managed?.credentials() ?? [])],
    });
    loadCredentials();
    const scheduler = opts.scheduler ?? asyncScheduler;

    this.startedAt = Date.now();
    const gated = this.metrics.counter('carewatch_connections_gated_total', 'Sockets closed by the connection caps, by listener, kind (refused, evicted, timeout) and why');
    const gate = new ConnectionGate({
      ...opts.connections,
      onEvent: (e) => gated({ listener: e.listener, kind: e.kind, why: e.kind === 'timeout' ? 'pre_auth_timeout' : e.why }),
    });
    this.gate = gate;
    const db = openGatewayDb(opts.dataDir, opts.durability);
    this.db = this.started('database', db, () => db.close());
    // Upstream links queue each event in the transaction that stores it (durable through kill -9).
    const upstream = opts.upstream && new UpstreamLinks(opts.upstream, {
      db, log, metrics: this.metrics, raise: (draft) => outbox.append(draft), siteFile: (id) => this.registry?.get(id)?.site.file,
    });
    this.upstream = upstream;
    // The local alarm page's open alarms are written with each event, in its transaction.
    const localAlarms = new SqliteLocalAlarms(db);
    const outbox = new SqliteOutbox({
      db, clock: () => Date.now(),
      ...(opts.durability ? { durability: opts.durability } : {}),
      onStored: (e) => {
        localAlarms.record(e);
        upstream?.enqueue(e);
      },
    });
    // A gateway from before the list was kept on disk: its outage's alarms are still in the outbox.
    if (localAlarms.created) db.transaction(() => { for (const e of outbox.peek('life_safety', 10_000)) localAlarms.record(e); })();
    this.outbox = this.started('outbox', outbox, () => outbox.close());
    const local = new LocalAlarmPage({
      gatewayId: opts.gatewayId, dataDir: opts.dataDir, ...(opts.staffTokenFile ? { staffTokenFile: opts.staffTokenFile } : {}),
      registry: () => this.registry, store: localAlarms, metrics: this.metrics, log,
      publish: (siteId, bridge, topic, payload) => (bridge.external ? this.links!.publish(siteId, bridge.name, topic, payload) : this.broker!.publish(topic, payload)),
    });
    local.start();
    this.local = this.started('local alarm page', local);
    outbox.onEvent((e) => local.apply(e));
    const readingsTotal = this.metrics.counter('carewatch_readings_total', 'Readings accepted into the rules, by transport');
    const telemetry = opts.telemetrySampleMs === 0 ? undefined : new TelemetryLane({
      serverUrl: opts.serverUrl, gatewayId: opts.gatewayId, token: opts.token, dataDir: opts.dataDir, metrics: this.metrics, log,
      sampler: { sampleEveryMs: opts.telemetrySampleMs },
    });
    this.telemetry = telemetry;
    if (telemetry) this.started('telemetry', telemetry).start();
    const counted = (r: Reading) => {
      readingsTotal({ transport: r.source.transport });
      telemetry?.offer(r);
    };
    const trouble = new GatewayTrouble({ gatewayId: opts.gatewayId, outbox, metrics: this.metrics, log, anySite: (): string | undefined => this.registry?.siteIds()[0] });
    this.trouble = this.started('gateway trouble', trouble);
    const unregistered = new UnregisteredDevices({ metrics: this.metrics, log });
    const registry: SiteRegistry = new SiteRegistry((site) => new SiteRuntime(site, { db, outbox, scheduler, log, counted, metrics: this.metrics, trouble, unregistered }));
    this.registry = this.started('site rules', registry, () => registry.stopAll());
    registry.onUnregistered = (sighting) => {
      const siteId = registry.siteIds()[0];
      if (siteId !== undefined) unregistered.report(siteId, sighting, (d) => trouble.raiseDraft(d));
    };
    // Serial ports and external bridges follow the site files, at start and on every hot reload
    // (issue 15 defect 6). A link that cannot start at start-up stops the gateway (a named
    // password variable not set); later it is logged and raised as gateway.trouble.
    const links = new SiteLinks({ registry, rejections: this.rejections, metrics: this.metrics, log, trouble });
    this.links = this.started('site links', links);
    const startingLinks: Promise<void>[] = [];
    registry.onChange = (siteId, site) => {
      const applied = links.apply(siteId, site);
      if (!this.addresses) startingLinks.push(applied);
      applied.catch(() => undefined);
    };
    const initial = new Map<string, string>();
    // One transaction for all sites' first rule-state reads and writes: 10,000 homes start in
    // seconds instead of one commit per row.
    db.transaction(() => {
      for (const { file, result } of loaded) {
        if (!result.ok) continue;
        const conflicts = registry.upsert(result.site);
        if (conflicts.length > 0) throw new SiteConfigError(conflicts.map((c) => `${file}: ${c}`));
        initial.set(file, result.site.id);
      }
    })();
    outbox.afterCommit();
    if ((opts.watchSitesMs ?? 30_000) > 0 || managed) {
      this.watcher = new SiteDirectoryWatcher({
        paths: sitePaths,
        registry,
        profileOf: getProfile,
        log,
        everyMs: opts.watchSitesMs || 30_000,
        onRemoved: (siteId) => SqliteRuleState.dropSite(db, siteId),
        beforeApply: loadCredentials,
      });
      this.started('site watcher', this.watcher).start(initial);
    }
    await Promise.all(startingLinks.splice(0));
    const depth = this.metrics.gauge('carewatch_outbox_events', 'Events waiting in the outbox, by lane');
    this.metrics.onCollect(() => { for (const [lane, n] of Object.entries(outbox.depth())) depth({ lane }, n); });

    this.broker = new MqttBroker({
      ...opts.mqtt,
      credentials,
      ingest: new MqttIngest(registry, () => Date.now()),
      gate,
      rejections: this.rejections,
      metrics: this.metrics,
      log,
    });
    const mqtt = await this.started('mqtt broker', this.broker).start();
    this.watch = new WatchListener({ ...opts.watch, gate, registry, rejections: this.rejections, metrics: this.metrics, log });
    const watch = await this.started('watch listener', this.watch).start();
    this.forwarder = new Forwarder({
      serverUrl: opts.serverUrl, gatewayId: opts.gatewayId, token: opts.token, outbox, troubleMemory: new SqliteTroubleMemory(db), log, metrics: this.metrics,
      ...(opts.deliverTo ? { transport: new JetStreamTransport({ natsUrl: opts.deliverTo.natsUrl, gatewayId: opts.gatewayId, token: opts.token, outbox, log }) } : {}),
      onReach: (since) => local.serverReach(since),
    });
    this.started('forwarder', this.forwarder).start();
    if (upstream) {
      outbox.onAppend(() => upstream.wake());
      this.started('upstream links', upstream).start();
    }
    this.heartbeat = new Heartbeat({
      serverUrl: opts.serverUrl,
      token: opts.token,
      everyMs: opts.heartbeatMs ?? 30_000,
      log,
      gatewayId: opts.gatewayId,
      siteIds: () => registry.siteIds(),
      outboxDepth: () => Object.values(outbox.depth()).reduce((a, b) => a + b, 0),
      startedAt: this.startedAt,
      // A heartbeat answered: the server is back, so nothing waits out a backoff (issue 15, defect 7).
      onAnswer: (answer) => this.forwarder?.serverAnswered(answer.configVersion),
      onUnreachable: (error) => this.forwarder?.serverUnreachable(error),
    });
    this.started('heartbeat', this.heartbeat).start();
    if (managed) {
      const watcher = this.watcher!;
      this.configPull = new ConfigPull({
        serverUrl: opts.serverUrl, token: opts.token, folder: managed, log, metrics: this.metrics,
        apply: async () => { loadCredentials(); await watcher.rescan(); },
      });
      this.started('config pull', this.configPull).start();
    }
    const dedupe = new PushDedupe(db);
    this.push = new PushListener({
      host: opts.pushHttp?.host ?? '127.0.0.1',
      port: opts.pushHttp?.port ?? 0,
      ...(opts.pushHttp?.bodyLimit ? { bodyLimit: opts.pushHttp.bodyLimit } : {}),
      ...(opts.pushHttp?.budget ? { budget: opts.pushHttp.budget } : {}),
      gate, registry, rejections: this.rejections, metrics: this.metrics, log, platforms: push.platforms, dedupe,
    });
    const pushAddress = await this.started('push listener', this.push).start();
    this.http = new GatewayHttp({
      ...opts.http,
      status: () => this.status(),
      metrics: this.metrics,
      log,
      // The technician's status page and the metrics too (issue 16: they answered anyone).
      guard: (app) => local.guard(app, (path) => path === '/' || path === '/status.json' || path === '/metrics'),
      // The status page's sockets share the gateway's caps: idle ones cannot take the descriptors MQTT needs.
      routes: [(app) => gateHttpServer(app.server, gate, { name: 'http', preAuthTimeoutMs: 10_000 }), (app) => local.routes(app)],
    });
    const http = await this.started('http', this.http).start();
    this.loopWatch = new EventLoopWatch({ metrics: this.metrics, log });
    this.started('event-loop watch', this.loopWatch).start();
    this.addresses = { mqtt, http, watch, push: pushAddress };
    log.info({ sites: registry.size, mqtt: `${mqtt.host}:${mqtt.port}`, http: `${http.host}:${http.port}`, push: `${pushAddress.host}:${pushAddress.port}`, watch: `${watch.host}:${watch.port}`, server: opts.serverUrl, delivery: this.forwarder.target }, 'gateway started');
  }

  status(): GatewayStatus {
    return {
      gatewayId: this.opts.gatewayId,
      startedAt: new Date(this.startedAt).toISOString(),
      sites: this.registry?.size ?? 0,
      mqttClients: this.broker?.connectedClients ?? 0,
      watchConnections: this.watch?.connections ?? 0,
      outbox: this.outbox?.depth() ?? { life_safety: 0, alarm: 0, telemetry: 0 },
      upstream: this.upstream?.status() ?? [],
      parked: this.outbox?.parked(PARKED_LISTED) ?? { total: 0, events: [] },
      forwarder: this.forwarder ? { ...this.forwarder.stats } : null,
      server: this.opts.serverUrl,
      delivery: this.forwarder?.target ?? (this.opts.deliverTo ? { via: 'jetstream', url: this.opts.deliverTo.natsUrl } : { via: 'http', url: this.opts.serverUrl }),
      links: this.links?.list() ?? {},
    };
  }

  async stop(): Promise<void> {
    // Newest first; a part that fails to stop is logged and the others still stop.
    let failed: unknown;
    for (let part = this.parts.pop(); part; part = this.parts.pop()) {
      try {
        await part.stop();
      } catch (err) {
        this.log.error({ err, part: part.name }, 'gateway part failed to stop');
        failed ??= err;
      }
    }
    this.links = undefined;
    this.watcher = this.watch = this.loopWatch = this.configPull = this.push = undefined;
    this.telemetry = this.upstream = this.local = undefined;
    this.http = this.heartbeat = this.forwarder = this.broker = this.registry = this.outbox = this.db = this.trouble = undefined;
    if (failed !== undefined) throw failed;
  }
}

/** One started part of the gateway and how to undo it. */
interface GatewayPart {
  name: string;
  stop: () => unknown;
}

/** Declared in the contract (contract/gateway-status.ts): the local page and tests read it. */
export type { GatewayStatus };
