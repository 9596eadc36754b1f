import net from 'node:net';
import { type Admission, ConnectionGate, LISTEN_BACKLOG } from '../../contract/connection-gate.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../../devices/codecs/watch3g/index.ts';
import { RateLimitedLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Rejections } from '../rejections.ts';
import type { SiteRegistry } from '../site/site-registry.ts';
import { type CloseReason, WatchConnection } from './watch-connection.ts';

export interface WatchListenerOptions {
  host: string;
  port: number;
  registry: SiteRegistry;
  rejections: Rejections;
  metrics: Metrics;
  log: Logger;
  /** Longest frame, brackets included (default 64 KiB: voice `TK` and `img` frames are the big ones). */
  maxFrameBytes?: number;
  /**
   * Identified watches' connections from one address (default 50). Homes' watches come from
   * carrier NAT pools, so it is a guard against one runaway client, not one per watch; a
   * benchmark from 127.0.0.1 raises it. Connections that have not identified yet are not
   * counted here (issue 16): they are on the pre-login timer of `gate`.
   */
  maxConnectionsPerAddress?: number;
  /** All identified connections (default 20,000: a regional gateway's watches). */
  maxConnections?: number;
  /** Time from connect to the first good frame (default 10 s; a watch sends LK at once). */
  loginTimeoutSec?: number;
  /**
   * Addresses watches may connect from (CIDR, e.g. a carrier's private APN pool `10.64.0.0/10`);
   * empty or absent: any. The "3G*" protocol carries no credential, so on a carrier's private
   * network this is what tells a watch from anyone else (issue 16).
   */
  allowFrom?: string[];
  /** The process's socket caps (contract/connection-gate.ts); default one of its own. */
  gate?: ConnectionGate;
  /** Silence after which a connection is dropped (default 900 s = 3 × the ~5 min `LK` interval). */
  idleTimeoutSec?: number;
  /** Frames naming an unknown watch before the connection is closed (default 3). */
  maxUnknownFrames?: number;
  clock?: () => number;
}

const DEFAULTS = {
  maxConnectionsPerAddress: 50,
  maxConnections: 20_000,
  idleTimeoutSec: 900,
  maxUnknownFrames: 3,
  maxRejectsBeforeGood: 16,
  maxUnsentBytes: 64 * 1024,
};

/**
 * The TCP listener 4G watches connect to (CONTRACT.md: "3G*" protocol, default 127.0.0.1:5093;
 * "IW" watches are recognised on the same port). Bounds: frame size, connections per address and
 * in total, idle time, unread replies. `stop()` closes the port and every connection.
 */
export class WatchListener {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly opts: WatchListenerOptions) {}

  get connections(): number {
    return this.sockets.size;
  }

  async start(): Promise<{ host: string; port: number }> {
    const { opts } = this;
    const { metrics, log } = opts;
    const perAddressLimit = opts.maxConnectionsPerAddress ?? DEFAULTS.maxConnectionsPerAddress;
    const totalLimit = opts.maxConnections ?? DEFAULTS.maxConnections;
    const idleMs = (opts.idleTimeoutSec ?? DEFAULTS.idleTimeoutSec) * 1000;
    const clock = opts.clock ?? Date.now;
    const gauge = metrics.gauge('carewatch_watch_connections', 'Open 4G-watch connections');
    const frames = metrics.counter('carewatch_watch_frames_total', '4G-watch frames accepted, by protocol and message kind');
    const mismatches = metrics.counter('carewatch_watch_length_mismatch_total', '"3G*" frames whose declared length is wrong (accepted)');
    const refused = metrics.counter('carewatch_watch_connections_refused_total', 'Watch connections refused at accept, by why');
    const closed = metrics.counter('carewatch_watch_connections_closed_total', 'Watch connections closed by the gateway, by why');
    const limitedLog = new RateLimitedLog(log);
    gauge({}, 0);
    const gate = opts.gate ?? new ConnectionGate();
    const limits = {
      name: 'watch',
      preAuthTimeoutMs: (opts.loginTimeoutSec ?? 10) * 1000,
      maxAuthenticatedPerAddress: perAddressLimit,
      maxAuthenticated: totalLimit,
    };
    const allowed = allowList(opts.allowFrom);

    const deps = {
      registry: opts.registry,
      rejections: opts.rejections,
      log,
      clock,
      maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      maxUnknownFrames: opts.maxUnknownFrames ?? DEFAULTS.maxUnknownFrames,
      maxRejectsBeforeGood: DEFAULTS.maxRejectsBeforeGood,
      maxUnsentBytes: DEFAULTS.maxUnsentBytes,
      frameSeen: (protocol: string, kind: string) => frames({ protocol, kind }),
      lengthMismatch: () => mismatches(),
      closing: (why: CloseReason) => closed({ why }),
    };

    const refuse = (why: string, address: string, limit?: number): void => {
      refused({ why });
      limitedLog.warn(`watch:refused:${why}`, { remote: address, ...(limit !== undefined ? { limit } : {}) }, `watch connection refused (${why})`);
    };
    const accept = (socket: net.Socket): void => {
      const address = socket.remoteAddress ?? '?';
      const plain = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
      if (allowed && !allowed.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4')) {
        refuse('not_allowed', address);
        socket.destroy();
        return;
      }
      const admission: Admission | undefined = gate.admit(socket, limits);
      if (!admission) { refuse('process_full', address); return; }
      socket.setNoDelay(true); // Nagle held each small reply ~23 ms (docs/architecture.md)
      socket.setTimeout(idleMs);
      this.sockets.add(socket);
      gauge({}, this.sockets.size);
      const connection = new WatchConnection(socket, {
        ...deps,
        identified: () => {
          if (admission.authenticated()) return true;
          const why = admission.refusedBecause === 'listener_full' ? 'total' : 'per_address';
          refuse(why, address, why === 'total' ? totalLimit : perAddressLimit);
          return false;
        },
      });
      socket.on('data', (chunk: Buffer) => connection.onData(chunk));
      socket.on('timeout', () => connection.close('idle'));
      socket.on('error', (err) => log.debug({ err: err.message, remote: connection.remote }, 'watch socket error'));
      socket.once('close', () => {
        connection.onClose();
        this.sockets.delete(socket);
        gauge({}, this.sockets.size);
      });
    };

    const server = net.createServer(accept);
    this.server = server;
    await new Promise<void>((resolve, rejectListen) => {
      server.once('error', rejectListen);
      server.listen({ port: opts.port, host: opts.host, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', rejectListen);
        resolve();
      });
    });
    server.on('error', (err) => log.error({ err }, 'watch listener error'));
    const address = server.address() as net.AddressInfo;
    return { host: address.address, port: address.port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closedAll = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closedAll;
    this.sockets.clear();
  }
}

function allowList(cidrs: string[] | undefined): net.BlockList | undefined {
  if (!cidrs?.length) return undefined;
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const [ip, bits] = cidr.split('/');
    const type = net.isIPv6(ip!) ? 'ipv6' : 'ipv4';
    if (!net.isIP(ip!)) throw new Error(`watch allow-list: "${cidr}" is not an address or CIDR`);
    if (bits === undefined) list.addAddress(ip!, type);
    else list.addSubnet(ip!, Number(bits), type);
  }
  return list;
}
