import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Rejections } from '../rejections.ts';
import { reject } from '../../devices/decoded.ts';
import type { ClientIdentity, MqttCredentials } from './client-identity.ts';
import type { MqttIngest } from './mqtt-ingest.ts';
import { boundPacketSize } from './bound-packet-size.ts';
import { ClientIdOwners } from './client-id-owners.ts';
import { type Admission, type ConnectionGate, LISTEN_BACKLOG } from '../../contract/connection-gate.ts';

export interface MqttTlsOptions {
  keyFile: string;
  certFile: string;
  /** The CA that devices are given to trust, for the log line only. */
  caFile?: string;
}

export interface MqttBrokerOptions {
  host: string;
  port: number;
  credentials: MqttCredentials;
  ingest: MqttIngest;
  rejections: Rejections;
  metrics: Metrics;
  log: Logger;
  /** Largest MQTT packet accepted; device states are a few hundred bytes. */
  maxPacketBytes?: number;
  /** MQTT over TLS (the CLI's default, issue 16); absent: plain MQTT, logged as a warning. */
  tls?: MqttTlsOptions;
  /** The process's socket caps (contract/connection-gate.ts); CONNACK authenticates a socket. */
  gate?: ConnectionGate;
  /** Time from TCP connect to CONNECT (default 10 s). */
  preAuthTimeoutMs?: number;
  /** Client ids one credential may hold at once, connected or as stored sessions (default 8). */
  sessionsPerCredential?: number;
  /** Largest retained payload kept (default 4 KiB; a device state is a few hundred bytes). */
  maxRetainedBytes?: number;
}

/**
 * The gateway's embedded MQTT broker (aedes): every client authenticates, a device publishes only
 * to its own topics, a bridge only under its base topic, and each PUBLISH is turned into readings
 * before it is acknowledged.
 */
export class MqttBroker {
  private aedes: Aedes | undefined;
  private server: net.Server | undefined;
  private readonly identities = new WeakMap<Client, ClientIdentity>();
  private readonly admissions = new WeakMap<Client, Admission>();

  constructor(private readonly opts: MqttBrokerOptions) {}

  async start(): Promise<{ host: string; port: number }> {
    const { metrics, rejections, log } = this.opts;
    const connections = metrics.gauge('carewatch_mqtt_clients', 'Connected MQTT clients');
    const sessionsRefused = metrics.counter('carewatch_mqtt_connect_refused_total', 'MQTT CONNECTs refused after authentication, by why (client id of another credential, session cap)');
    const retainDropped = metrics.counter('carewatch_mqtt_retain_dropped_total', 'Retained flags dropped from accepted PUBLISHes, by why');
    const owners = new ClientIdOwners(this.opts.sessionsPerCredential ?? 8);
    const maxRetained = this.opts.maxRetainedBytes ?? 4096;
    const handlers: AedesOptions = {
      authenticate: (client, username, password, done) => {
        const who = this.opts.credentials.verify(username, password);
        if (typeof who === 'string') {
          rejections.record('mqtt', reject('auth', who), { username, clientId: client.id });
          const err = Object.assign(new Error(who), { returnCode: 4 as const }); // [MQTT-3.2.2.3] 4 = bad user name or password
          done(err, false);
          return;
        }
        // A client id belongs to the credential that holds it (issue 16): another credential's
        // CONNECT with it is refused, not allowed to take it over ([MQTT-3.1.4-2] applies within one credential).
        const claim = owners.claim(client.id, who.username, client, client.clean);
        if ('why' in claim) {
          const detail = claim.why === 'taken'
            ? `"${who.username}" may not connect as client id "${client.id}": it belongs to another credential`
            : `"${who.username}" already holds ${claim.cap} sessions (the cap per credential)`;
          rejections.record('mqtt', reject('identity', detail), { username: who.username, clientId: client.id });
          sessionsRefused({ why: claim.why });
          // [MQTT-3.2.2.3] 2 = identifier rejected; 5 = not authorised.
          done(Object.assign(new Error(detail), { returnCode: claim.why === 'taken' ? 2 as const : 5 as const }), false);
          return;
        }
        if (claim.evicted !== undefined) this.dropStoredSession(claim.evicted);
        this.identities.set(client, who);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        if (!client) { done(null); return; } // aedes publishing a stale will of a gone client
        const who = this.identities.get(client);
        if (!who) { done(new Error('not authenticated')); return; }
        let outcome;
        try {
          outcome = this.opts.ingest.handle(who, packet);
        } catch (err) {
          // The event could not be stored: no PUBACK, the device will send again.
          log.error({ err, topic: packet.topic }, 'could not store an event; closing the client so it retries');
          done(err as Error);
          return;
        }
        if (outcome.kind === 'rejected') {
          rejections.record('mqtt', outcome.rejected, { username: who.username, topic: packet.topic });
          if (outcome.refuse) { done(new Error(outcome.rejected.detail)); return; }
        }
        // Retained only what a registered device said, small (issue 16: a bridge's retained
        // 60 KiB messages under made-up names added ~320 MiB in 2 s). Empty payloads delete.
        if (packet.retain && packet.payload.length > 0) {
          const why = packet.payload.length > maxRetained ? 'oversize' : outcome.kind !== 'accepted' ? 'no_device' : undefined;
          if (why) {
            packet.retain = false;
            retainDropped({ why });
          }
        }
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const who = this.identities.get(client);
        const allowed = who && subscriptionAllowed(who, sub.topic, this.opts.ingest.baseTopicOf(who));
        if (!allowed) {
          rejections.record('mqtt', reject('topic', `"${who?.username ?? client.id}" may not subscribe to "${sub.topic}"`));
          done(new Error('subscription not allowed'));
          return;
        }
        // Granted QoS 0 ([MQTT-3.9.3]: the server may grant less): nothing is queued for an
        // offline clean=false session (issue 16: one fed from a second connection added 250 MiB).
        // Only a client's own topics are open to it, so nothing it needs is lost.
        // In place: aedes stores the SUBSCRIBE's own objects as the session's subscriptions.
        sub.qos = 0;
        done(null, sub);
      },
      // Nobody gets the gateway's $SYS heartbeat: it would show other sites' clients.
      heartbeatInterval: 24 * 3600 * 1000,
      // A device whose socket stalls must not hold deliveries of others (aedes docs: drainTimeout).
      drainTimeout: 30_000,
      connectTimeout: this.opts.preAuthTimeoutMs ?? 10_000,
    };
    const aedes = await Aedes.createBroker(handlers);
    this.aedes = aedes;
    metrics.onCollect(() => connections({}, aedes.connectedClients));
    aedes.on('client', (client) => {
      // CONNACK sent: out of the pre-auth pool (or closed, over a cap).
      this.admissions.get(client)?.authenticated();
    });
    aedes.on('clientDisconnect', (client) => owners.release(client.id, client));
    const onClientError = (client: Client | undefined, err: Error) => {
      // A packet the MQTT parser cannot read ([MQTT-2.2.3] length, reserved flags, ...): counted like any bad frame.
      if (/variable byte integer|invalid|must not|reserved|malformed/i.test(err.message) && !/over the \d+-byte limit/.test(err.message)) {
        rejections.record('mqtt', reject('bad_frame', err.message), { clientId: client?.id });
      }
      log.debug({ clientId: client?.id, err: err.message }, 'mqtt client error');
    };
    aedes.on('clientError', onClientError);
    // Errors before CONNECT completes come as connectionError.
    aedes.on('connectionError', onClientError);
    const max = this.opts.maxPacketBytes ?? 64 * 1024;
    const secureContext = this.opts.tls
      ? tls.createSecureContext({ key: readFileSync(this.opts.tls.keyFile), cert: readFileSync(this.opts.tls.certFile) })
      : undefined;
    const accept = (socket: net.Socket) => {
      socket.setNoDelay(true); // Nagle added ~23 ms to each small alarm here (docs/architecture.md)
      const oversize = (declared: number) =>
        rejections.record('mqtt', reject('oversize', `packet of ${declared} bytes over ${max}`), { remote: socket.remoteAddress });
      socket.on('error', () => undefined);
      // The raw socket is gated, so one that never starts its TLS handshake is on the pre-auth timer too.
      const admission = this.opts.gate ? this.opts.gate.admit(socket, { name: 'mqtt', preAuthTimeoutMs: this.opts.preAuthTimeoutMs ?? 10_000 }) : undefined;
      if (this.opts.gate && !admission) return;
      const stream = secureContext ? this.wrapTls(socket, secureContext) : socket;
      const client = aedes.handle(stream);
      if (admission) this.admissions.set(client, admission);
      if (!boundPacketSize(client, max, oversize)) {
        // Fail closed: an unbounded broker is worse than a refused device (and the tests say so).
        log.error('MQTT packet-size bound unavailable (unexpected aedes parser); refusing the connection');
        socket.destroy();
      }
    };
    const server = net.createServer(accept);
    this.server = server;
    await new Promise<void>((resolve, rejectListen) => {
      server.once('error', rejectListen);
      server.listen({ port: this.opts.port, host: this.opts.host, backlog: LISTEN_BACKLOG }, () => resolve());
    });
    const address = server.address() as net.AddressInfo;
    if (this.opts.tls) log.info({ mqtt: `mqtts://${address.address}:${address.port}`, ca: this.opts.tls.caFile }, 'MQTT over TLS; devices trust the CA in the file named');
    else log.warn({ mqtt: `mqtt://${address.address}:${address.port}` }, 'MQTT without TLS (--mqtt-plain): device logins and alarms cross the network in clear');
    return { host: address.address, port: address.port };
  }

  /**
   * The server side of TLS over an admitted socket (what `tls.Server` does, with the raw socket
   * in hand for the gate). A handshake that fails — plain MQTT on this port, a client that
   * refused the certificate — is counted and the socket closed.
   */
  private wrapTls(socket: net.Socket, secureContext: tls.SecureContext): tls.TLSSocket {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext, requestCert: false, rejectUnauthorized: false });
    let established = false;
    secure.once('secure', () => { established = true; }); // the server side's "handshake done" (what tls.Server waits for)
    secure.once('error', (err: NodeJS.ErrnoException) => {
      if (!established) this.opts.rejections.record('mqtt', reject('bad_frame', `TLS handshake failed: ${err.code ?? err.message}`), { remote: socket.remoteAddress });
      socket.destroy();
    });
    return secure;
  }

  /** A stored session given way to its credential's newer one: its subscriptions and queue go. */
  private dropStoredSession(clientId: string): void {
    const persistence = (this.aedes as unknown as { persistence?: { cleanSubscriptions(c: { id: string }): Promise<unknown> } } | undefined)?.persistence;
    if (!persistence) return;
    void Promise.resolve(persistence.cleanSubscriptions({ id: clientId })).catch((err: unknown) => this.opts.log.warn({ err, clientId }, 'could not drop a stored MQTT session'));
  }

  /**
   * Publishes as the gateway itself (the local sounders' siren commands to a Zigbee2MQTT on this
   * broker): QoS 1, not retained — a stale siren command must not replay to a bridge that reconnects.
   */
  publish(topic: string, payload: string): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('MQTT broker not running'));
    return new Promise((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    this.server = undefined;
    this.aedes = undefined;
    await new Promise<void>((resolve) => (aedes ? aedes.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

/** Devices may listen on their own topics; bridges under their base topic (Zigbee2MQTT subscribes to `{base}/#`). */
function subscriptionAllowed(who: ClientIdentity, topic: string, baseTopic: string | undefined): boolean {
  if (who.role === 'device') return topic.startsWith(`carewatch/${who.siteId}/devices/${who.deviceId}/`);
  return baseTopic !== undefined && (topic === `${baseTopic}/#` || topic.startsWith(`${baseTopic}/`));
}
