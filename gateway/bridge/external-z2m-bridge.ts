import type { Socket } from 'node:net';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { type SiteFile, parseZ2mTopic } from '../../contract/index.ts';
import { type Rejected, reject } from '../../devices/decoded.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { ingestZ2m } from '../mqtt/mqtt-ingest.ts';
import type { Rejections } from '../rejections.ts';
import { Backoff } from '../../contract/backoff.ts';
import type { SiteRegistry } from '../site/site-registry.ts';

/** One entry of a site file's `bridges:` list. */
export type BridgeConfig = SiteFile['bridges'][number];

export class BridgeConfigError extends Error {
  readonly code = 'BRIDGE_CONFIG';
}

export interface ExternalZ2mBridgeOptions {
  siteId: string;
  bridge: BridgeConfig;
  registry: SiteRegistry;
  rejections: Rejections;
  metrics: Metrics;
  log: Logger;
  /**
   * Default `carewatch-{siteId}-{bridge name}`. Fixed across restarts so the broker keeps the
   * session, and with it the QoS 1 messages published while the gateway was away.
   */
  clientId?: string;
  /** First reconnect delay after the broker is lost (default 1 s); doubles up to `reconnectMaxMs` (default 30 s). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  connectTimeoutMs?: number;
  keepaliveSec?: number;
  /** Where `passwordEnv` is read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: () => number;
  random?: () => number;
}

type LinkState = 'unknown' | 'up' | 'down';

/**
 * A Zigbee2MQTT that publishes to a broker of its own (site file `bridges[].external`): the
 * gateway subscribes there as a client instead of receiving on its embedded broker. Every
 * message goes through the same `ingestZ2m` as the embedded broker's bridge clients.
 * - clean session off + fixed client id + QoS 1 subscription: what Zigbee2MQTT published while
 *   the gateway was away is delivered when it is back ([MQTT-3.1.2-4], [MQTT-3.1.2-5]);
 * - a message is acknowledged (PUBACK) only after its readings went through the rules; when an
 *   event could not be stored the connection is dropped unacknowledged, and the broker delivers
 *   it again on reconnect ([MQTT-4.4.0-1]);
 * - broker lost → link `zigbee2mqtt:{name}` down (one root cause for every device behind it),
 *   back → up; Zigbee2MQTT's own `bridge/state` offline is a link down too (ingestZ2m).
 */
export class ExternalZ2mBridge {
  readonly link: string;
  private readonly backoff: Backoff;
  private readonly clock: () => number;
  private readonly labels: Record<string, string>;
  private readonly countMessage: (labels?: Record<string, string>) => void;
  private readonly countReconnect: (labels?: Record<string, string>) => void;
  private readonly setConnected: (labels: Record<string, string>, value: number) => void;
  private client: MqttClient | undefined;
  private state: LinkState = 'unknown';
  private subscribed = false;
  private stopping = false;
  /** The connection was dropped on purpose to have an unstored message delivered again. */
  private redelivering = false;
  private firstSettled: (() => void) | undefined;
  private lastError: string | undefined;

  constructor(private readonly opts: ExternalZ2mBridgeOptions) {
    this.link = `zigbee2mqtt:${opts.bridge.name}`;
    this.clock = opts.clock ?? Date.now;
    this.backoff = new Backoff(opts.reconnectMinMs ?? 1000, opts.reconnectMaxMs ?? 30_000, opts.random);
    this.labels = { site: opts.siteId, bridge: opts.bridge.name };
    this.countMessage = opts.metrics.counter('carewatch_bridge_messages_total', 'Messages from external Zigbee2MQTT brokers, by site, bridge and outcome');
    this.countReconnect = opts.metrics.counter('carewatch_bridge_reconnects_total', 'Reconnections to an external broker after it was lost, by site and bridge');
    this.setConnected = opts.metrics.gauge('carewatch_bridge_connected', 'Connected to the external broker (1) or not (0), by site and bridge');
  }

  get isConnected(): boolean {
    return this.state === 'up';
  }

  /**
   * Connects; resolves once subscribed, or on the first failure (an unreachable broker is a
   * link down that keeps retrying, not a gateway that fails to start). Throws BridgeConfigError
   * for a bridge without `external` or a password variable that is not set.
   */
  async start(): Promise<void> {
    if (this.client) return;
    const { bridge, siteId } = this.opts;
    const external = bridge.external;
    if (!external) throw new BridgeConfigError(`bridges.${bridge.name}: no "external" broker; it publishes to the gateway's own broker`);
    const env = this.opts.env ?? process.env;
    const password = external.passwordEnv !== undefined ? env[external.passwordEnv] : undefined;
    if (external.passwordEnv !== undefined && password === undefined) {
      throw new BridgeConfigError(`bridges.${bridge.name}.external.passwordEnv: environment variable ${external.passwordEnv} is not set`);
    }
    this.stopping = false;
    const client = mqtt.connect(external.url, {
      clientId: this.opts.clientId ?? `carewatch-${siteId}-${bridge.name}`,
      clean: false,
      protocolVersion: 4,
      ...(external.username !== undefined ? { username: external.username } : {}),
      ...(password !== undefined ? { password } : {}),
      keepalive: this.opts.keepaliveSec ?? 30,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      reconnectPeriod: this.backoff.next(),
      resubscribe: true,
      manualConnect: true, // listeners first: the CONNECT packet is where the socket gets noDelay
    });
    this.client = client;
    client.handleMessage = (packet, done) => this.onMessage(client, packet, done);
    client.on('packetsend', (packet) => {
      // Nagle held each small PUBACK for ~23 ms here; the socket exists once CONNECT is written.
      if (packet.cmd === 'connect') (client.stream as Partial<Socket>).setNoDelay?.(true);
    });
    // mqtt.js arms its reconnect timer from `reconnectPeriod` when the connection closes: keep
    // it holding the next delay of the backoff.
    client.on('reconnect', () => { client.options.reconnectPeriod = this.backoff.next(); });
    client.on('connect', (connack) => this.onConnect(client, connack.sessionPresent));
    client.on('close', () => this.onClose());
    client.on('error', (err) => this.onError(err));
    const settled = new Promise<void>((resolve) => {
      this.firstSettled = resolve;
      client.once('close', () => this.settleStart());
    });
    client.connect();
    await settled;
  }

  /**
   * Publishes on the external broker (a local sounder's siren command, QoS 1, not retained).
   * Refused at once while the broker is down: a siren command is not queued for later.
   */
  publish(topic: string, payload: string): Promise<void> {
    const client = this.client;
    if (!client || this.state !== 'up') return Promise.reject(new Error(`${this.link}: external broker not connected`));
    return new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: 1, retain: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    this.client = undefined;
    this.subscribed = false;
    this.settleStart();
    // A clean DISCONNECT keeps the session (clean session off): messages queue for our return.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => client.end(true, {}, () => resolve()), 2000);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private onConnect(client: MqttClient, sessionPresent: boolean): void {
    if (client !== this.client) return;
    const { bridge, siteId, log } = this.opts;
    this.backoff.reset();
    client.options.reconnectPeriod = this.backoff.next();
    // Later connections: mqtt.js re-subscribes by itself when the broker lost the session.
    if (!this.subscribed) {
      this.subscribed = true;
      client.subscribe(`${bridge.baseTopic}/#`, { qos: 1 }, (err) => {
        if (err) log.error({ err, link: this.link, siteId }, 'cannot subscribe on the external broker');
        this.settleStart();
      });
    }
    if (this.state === 'down') this.countReconnect(this.labels);
    log.info({ link: this.link, siteId, url: redact(bridge.external?.url), sessionPresent }, 'connected to external broker');
    this.lastError = undefined;
    if (this.state !== 'up') this.setState('up');
  }

  /** Each distinct error once (a refused CONNACK, ECONNREFUSED), not once per retry. */
  private onError(err: Error): void {
    if (err.message === this.lastError) return;
    this.lastError = err.message;
    this.opts.log.warn({ err, link: this.link, siteId: this.opts.siteId }, 'external broker error');
  }

  private settleStart(): void {
    this.firstSettled?.();
    this.firstSettled = undefined;
  }

  private onClose(): void {
    if (this.redelivering) {
      this.redelivering = false;
      return;
    }
    if (this.stopping || this.state === 'down') return;
    this.opts.log.warn({ link: this.link, siteId: this.opts.siteId, url: redact(this.opts.bridge.external?.url) }, 'external broker lost; reconnecting');
    this.setState('down');
  }

  private setState(state: 'up' | 'down'): void {
    this.state = state;
    this.setConnected(this.labels, state === 'up' ? 1 : 0);
    this.opts.registry.get(this.opts.siteId)?.pushLink({
      siteId: this.opts.siteId, link: this.link, transport: 'zigbee2mqtt', up: state === 'up', ts: this.clock(),
    });
  }

  /** mqtt.js sends the PUBACK of a QoS 1 message when `done` is called without an error. */
  private onMessage(client: MqttClient, packet: IPublishPacket, done: (err?: Error) => void): void {
    const { bridge, siteId, registry, log } = this.opts;
    const runtime = registry.get(siteId);
    if (!runtime) return this.rejected(reject('unknown_site', `site "${siteId}" is not watched by this gateway`), packet.topic, done);
    const topic = parseZ2mTopic(bridge.baseTopic, packet.topic);
    if (!topic) return this.rejected(reject('topic', `"${packet.topic}" is not under "${bridge.baseTopic}/"`), packet.topic, done);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    let outcome: ReturnType<typeof ingestZ2m>;
    try {
      outcome = ingestZ2m(runtime, bridge.name, topic, payload, this.clock());
    } catch (err) {
      this.countMessage({ ...this.labels, outcome: 'not_stored' });
      log.error({ err, link: this.link, siteId, topic: packet.topic }, 'reading not stored; message left unacknowledged for redelivery');
      done(err as Error);
      this.redelivering = true; // our own doing: not the broker lost, no link down
      client.stream.destroy(); // the broker redelivers unacknowledged QoS 1 messages on reconnect
      return;
    }
    if (outcome.kind === 'rejected') return this.rejected(outcome.rejected, packet.topic, done);
    this.countMessage({ ...this.labels, outcome: outcome.kind });
    done();
  }

  /** Bad content is acknowledged all the same: redelivering it would not make it better. */
  private rejected(r: Rejected, topic: string, done: () => void): void {
    this.countMessage({ ...this.labels, outcome: 'rejected' });
    this.opts.rejections.record('zigbee2mqtt', r, { siteId: this.opts.siteId, bridge: this.opts.bridge.name, topic });
    done();
  }
}

/** A broker URL for the log, without any password in it. */
function redact(url: string | undefined): string | undefined {
  return url?.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
