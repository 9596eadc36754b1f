import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

/**
 * Socket caps for every listener of one process, before and after authentication (issue 16:
 * ~22,000 idle sockets with no CONNECT or request reached the descriptor limit; 47 silent sockets
 * from one carrier-NAT address filled its per-address cap and a real watch's SOS was dropped).
 *
 * - A socket is *unauthenticated* until its listener says otherwise (MQTT CONNACK, a watch's
 *   first frame for a registered watch, an HTTP request). Unauthenticated sockets live on a short
 *   timer, are not counted against their address's cap of real clients, and are the first to go:
 *   when the process is at its cap, or an address has too many of them, the oldest silent one
 *   (not a byte sent) is evicted to admit the newcomer. A flood of silent sockets therefore evicts itself, and a real device,
 *   which authenticates within milliseconds, gets in.
 * - All listeners of a process share one cap, below the descriptor limit, so the databases,
 *   the forwarder's and the console's sockets always have descriptors left.
 */
export interface ListenerLimits {
  /** Listener name, for metrics and logs: `mqtt`, `watch`, `push`, `http`. */
  name: string;
  /** Time to authenticate (default 10 s: a real client sends CONNECT / its first frame at once). */
  preAuthTimeoutMs?: number;
  /** Authenticated connections from one address (default: no cap; carrier NAT puts many devices behind one). */
  maxAuthenticatedPerAddress?: number;
  /** Authenticated connections of this listener (default: the process cap). */
  maxAuthenticated?: number;
}

export type GateEvent =
  | { kind: 'evicted'; listener: string; why: 'process_full' | 'unauthenticated_full' | 'address_unauthenticated_full'; address: string }
  | { kind: 'timeout'; listener: string; address: string }
  | { kind: 'refused'; listener: string; why: 'process_full' | 'address_full' | 'listener_full'; address: string };

export interface ConnectionGateOptions {
  /** All sockets of the process's listeners (default: the descriptor limit less `reserve`). */
  maxOpen?: number;
  /** Descriptors kept for files, outgoing connections and the rest (default 256). */
  reserve?: number;
  /** Unauthenticated sockets in all (default: a quarter of maxOpen, at most 4,096). */
  maxUnauthenticated?: number;
  /** Unauthenticated sockets from one address (default 64). */
  maxUnauthenticatedPerAddress?: number;
  onEvent?: (e: GateEvent) => void;
}

export interface Admission {
  /** The client proved who it is: out of the pre-auth pool. False: over a cap, and the socket is closed. */
  authenticated(): boolean;
  readonly isAuthenticated: boolean;
  /** Why `authenticated()` said false. */
  readonly refusedBecause: 'address_full' | 'listener_full' | undefined;
}

interface Entry {
  socket: Socket;
  listener: ListenerLimits;
  address: string;
  timer: NodeJS.Timeout | undefined;
  authenticated: boolean;
  released: boolean;
  refusedBecause?: 'address_full' | 'listener_full';
}

export class ConnectionGate {
  readonly maxOpen: number;
  readonly maxUnauthenticated: number;
  readonly maxUnauthenticatedPerAddress: number;
  private open = 0;
  /** Insertion order = age: the first is the oldest. */
  private readonly unauthenticated = new Map<Socket, Entry>();
  private readonly unauthenticatedByAddress = new Map<string, Set<Entry>>();
  private readonly authenticatedCount = new Map<string, number>();
  private readonly authenticatedByAddress = new Map<string, number>();

  constructor(private readonly opts: ConnectionGateOptions = {}) {
    this.maxOpen = opts.maxOpen ?? Math.max(64, descriptorLimit() - (opts.reserve ?? 256));
    this.maxUnauthenticated = Math.max(1, opts.maxUnauthenticated ?? Math.min(4096, Math.floor(this.maxOpen / 4)));
    this.maxUnauthenticatedPerAddress = opts.maxUnauthenticatedPerAddress ?? 64;
  }

  get openSockets(): number {
    return this.open;
  }

  get unauthenticatedSockets(): number {
    return this.unauthenticated.size;
  }

  /** A new socket of `listener`: admitted (evicting the oldest silent ones if need be) or closed. */
  admit(socket: Socket, listener: ListenerLimits): Admission | undefined {
    const address = socket.remoteAddress ?? '?';
    const sameAddress = this.unauthenticatedByAddress.get(address);
    if (sameAddress && sameAddress.size >= this.maxUnauthenticatedPerAddress) {
      // Only a silent one gives way: devices reconnecting together behind one NAT address are
      // all speaking (CONNECT sent, credentials being checked), and none of them is dropped.
      const silent = oldestSilent(sameAddress.values());
      if (silent) this.evict(silent, 'address_unauthenticated_full');
    }
    if (this.unauthenticated.size >= this.maxUnauthenticated) this.evict(this.oldest()!, 'unauthenticated_full');
    if (this.open >= this.maxOpen) {
      const oldest = this.oldest();
      if (!oldest) {
        this.emit({ kind: 'refused', listener: listener.name, why: 'process_full', address });
        socket.destroy();
        return undefined;
      }
      this.evict(oldest, 'process_full');
    }
    const entry: Entry = { socket, listener, address, timer: undefined, authenticated: false, released: false };
    this.open += 1;
    this.unauthenticated.set(socket, entry);
    let set = this.unauthenticatedByAddress.get(address);
    if (!set) this.unauthenticatedByAddress.set(address, (set = new Set()));
    set.add(entry);
    entry.timer = setTimeout(() => {
      if (entry.authenticated) return;
      this.emit({ kind: 'timeout', listener: listener.name, address });
      socket.destroy();
    }, listener.preAuthTimeoutMs ?? 10_000);
    entry.timer.unref();
    socket.once('close', () => this.release(entry));
    return {
      authenticated: () => this.authenticate(entry),
      get isAuthenticated() { return entry.authenticated; },
      get refusedBecause() { return entry.refusedBecause; },
    };
  }

  private authenticate(entry: Entry): boolean {
    if (entry.authenticated) return true;
    const { listener, address } = entry;
    const perAddressKey = `${listener.name}\u0000${address}`;
    const fromAddress = this.authenticatedByAddress.get(perAddressKey) ?? 0;
    const ofListener = this.authenticatedCount.get(listener.name) ?? 0;
    const why = listener.maxAuthenticated !== undefined && ofListener >= listener.maxAuthenticated ? 'listener_full' as const
      : listener.maxAuthenticatedPerAddress !== undefined && fromAddress >= listener.maxAuthenticatedPerAddress ? 'address_full' as const
        : undefined;
    if (why) {
      entry.refusedBecause = why;
      this.emit({ kind: 'refused', listener: listener.name, why, address });
      entry.socket.destroy();
      return false;
    }
    this.leavePreAuth(entry);
    entry.authenticated = true;
    this.authenticatedByAddress.set(perAddressKey, fromAddress + 1);
    this.authenticatedCount.set(listener.name, ofListener + 1);
    return true;
  }

  private release(entry: Entry): void {
    if (entry.released) return;
    entry.released = true;
    this.open -= 1;
    if (!entry.authenticated) {
      this.leavePreAuth(entry);
      return;
    }
    const perAddressKey = `${entry.listener.name}\u0000${entry.address}`;
    const left = (this.authenticatedByAddress.get(perAddressKey) ?? 1) - 1;
    if (left > 0) this.authenticatedByAddress.set(perAddressKey, left);
    else this.authenticatedByAddress.delete(perAddressKey);
    this.authenticatedCount.set(entry.listener.name, (this.authenticatedCount.get(entry.listener.name) ?? 1) - 1);
  }

  private leavePreAuth(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (!this.unauthenticated.delete(entry.socket)) return;
    const set = this.unauthenticatedByAddress.get(entry.address);
    set?.delete(entry);
    if (set?.size === 0) this.unauthenticatedByAddress.delete(entry.address);
  }

  /** The oldest silent socket (nothing read yet), else the oldest unauthenticated one. */
  private oldest(): Entry | undefined {
    return oldestSilent(this.unauthenticated.values()) ?? this.unauthenticated.values().next().value;
  }

  private evict(entry: Entry, why: Extract<GateEvent, { kind: 'evicted' }>['why']): void {
    // Out of the pools now: its 'close' comes later, and the newcomer needs the slot now.
    this.release(entry);
    this.emit({ kind: 'evicted', listener: entry.listener.name, why, address: entry.address });
    entry.socket.destroy();
  }

  private emit(e: GateEvent): void {
    this.opts.onEvent?.(e);
  }
}

/** The first entry whose socket has not sent a byte (`bytesRead` counts at the handle: no listener needed). */
function oldestSilent(entries: Iterable<Entry>): Entry | undefined {
  for (const e of entries) if (e.socket.bytesRead === 0) return e;
  return undefined;
}

/**
 * The accept queue of every listener (listen(2) backlog; the kernel caps it at
 * net.core.somaxconn, 4096 on current Linux). Node's default is 511: under a storm of silent
 * connects the queue stays full, a real device's SYN is dropped and the kernel retries it after
 * 1, 3, 7, 15 s — the process, accepting one socket per loop turn, evicts the storm fast, but the
 * device is not yet among those it sees (socket-storm.test.ts ran out of time so under load).
 */
export const LISTEN_BACKLOG = 4096;

/** The process's soft limit on open files (Linux /proc; 1,024 where it cannot be read). */
export function descriptorLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : 1024;
  } catch {
    return 1024;
  }
}

/**
 * Gates an HTTP server's sockets: each on the pre-auth timer until its first request. Returns
 * nothing to undo: the listeners go with the server.
 */
export function gateHttpServer(server: import('node:http').Server, gate: ConnectionGate, limits: ListenerLimits): void {
  const admissions = new WeakMap<object, Admission>();
  server.on('connection', (socket: Socket) => {
    const admission = gate.admit(socket, limits);
    if (admission) admissions.set(socket, admission);
  });
  server.on('request', (req: import('node:http').IncomingMessage) => {
    const admission = admissions.get(req.socket);
    if (admission && !admission.isAuthenticated) admission.authenticated();
  });
}
