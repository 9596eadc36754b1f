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
  tls?: { keyFile: string; certFile: string };
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

  constructor(private readonly opts: MqttBrokerOptions) {}

  async start(): Promise<{ host: string; port: number }> {
    const { metrics, rejections, log } = this.opts;
    const connections = metrics.gauge('carewatch_mqtt_clients', 'Connected MQTT clients');
    const handlers: AedesOptions = {
      authenticate: (client, username, password, done) => {
        const who = this.opts.credentials.verify(username, password);
        if (typeof who === 'string') {
          rejections.record('mqtt', reject('auth', who), { username, clientId: client.id });
          const err = Object.assign(new Error(who), { returnCode: 4 as const }); // [MQTT-3.2.2.3] 4 = bad user name or password
          done(err, false);
          return;
        }
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
        done(null, sub);
      },
      // Nobody gets the gateway's $SYS heartbeat: it would show other sites' clients.
      heartbeatInterval: 24 * 3600 * 1000,
      // A device whose socket stalls must not hold deliveries of others (aedes docs: drainTimeout).
      drainTimeout: 30_000,
    };
    const aedes = await Aedes.createBroker(handlers);
    this.aedes = aedes;
    metrics.onCollect(() => connections({}, aedes.connectedClients));
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
    const accept = (socket: net.Socket) => {
      socket.setNoDelay(true); // Nagle added ~23 ms to each small alarm here (docs/architecture.md)
      const oversize = (declared: number) =>
        rejections.record('mqtt', reject('oversize', `packet of ${declared} bytes over ${max}`), { remote: socket.remoteAddress });
      socket.on('error', () => undefined);
      const client = aedes.handle(socket);
      if (!boundPacketSize(client, max, oversize)) {
        // Fail closed: an unbounded broker is worse than a refused device (and the tests say so).
        log.error('MQTT packet-size bound unavailable (unexpected aedes parser); refusing the connection');
        socket.destroy();
      }
    };
    const server = this.opts.tls
      ? tls.createServer({ key: readFileSync(this.opts.tls.keyFile), cert: readFileSync(this.opts.tls.certFile) }, accept)
      : net.createServer(accept);
    this.server = server;
    await new Promise<void>((resolve, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const address = server.address() as net.AddressInfo;
    return { host: address.address, port: address.port };
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
