import type { Alarm, AlarmChange, AlarmStatus, Event } from '../../../contract/index.ts';
import type { AlarmTimerStore } from './alarm-timer-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { IdentityStore } from './identity-store.ts';
import type { RegistryStore } from './registry-store.ts';

/**
 * The server's storage, behind interfaces free of SQL: the embedded SQLite store is the default,
 * PostgreSQL serves several replicas (DESIGN.md "Time, state, identity"), and services never know
 * which one they talk to. Every call is asynchronous because a remote database is; every call runs
 * inside a unit of work: `write` for an all-or-nothing transaction, `read` for one consistent
 * snapshot. The stores a unit hands its work (`Tx`) are bound to that unit's connection.
 *
 * A store that cannot join the transaction (a remote time-series database) is written after the
 * commit, never instead of it.
 */
export interface ServerStore {
  /** Which implementation, for logs and the store contract suite. */
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Runs `work` as one all-or-nothing transaction: every write inside commits durably (fsynced)
   * before the promise resolves, or none does. Writers are serialised; keep `work` to store calls.
   */
  write<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs reads against one consistent snapshot (no commit lands between them); writes fail. */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The stores of one unit of work. Each area of the server adds its store here (one line), with its
 * interface in its own file and its tables in its own migrations (sqlite-migrations.ts).
 */
export interface Tx {
  readonly events: EventStore;
  readonly alarms: AlarmStore;
  readonly gateways: GatewayStore;
  readonly audit: AuditStore;
  readonly registry: RegistryStore;
  readonly identity: IdentityStore;
  readonly timers: AlarmTimerStore;
}

/** Server-side facts about one received event. */
export interface ReceivedMeta {
  gatewayId: string;
  /** Server clock (epoch ms). */
  receivedAt: number;
}

/** The latest seen of one device, derived from its events (the history stays in the events). */
export interface DeviceSeen {
  siteId: string;
  deviceId: string;
  roomId: string | null;
  residentId: string | null;
  /** Device time of its newest event (epoch ms). */
  lastSeen: number;
  lastKind: string;
}

/** Append-only history of every event ever received (device status history included). */
export interface EventStore {
  /** Appends the event unless its id is already stored; true when it was new. */
  appendIfNew(event: Event, meta: ReceivedMeta): Promise<boolean>;
  has(id: string): Promise<boolean>;
  devicesOfSite(siteId: string): Promise<DeviceSeen[]>;
}

/**
 * The last event applied to one alarm key (site, subject, kind), kept even when no alarm is open,
 * so a raise that arrives after its own clear (a retry overtaken by a newer event) is known as stale.
 */
export interface AlarmKeyState {
  lastSeq: number;
  lastTs: number;
  lastAction: 'raise' | 'clear';
}

export interface AlarmKey {
  siteId: string;
  subject: string;
  kind: string;
}

/** Which alarms a caller may see: `sites: 'all'` for an administrator. */
export interface AlarmFilter {
  sites: readonly string[] | 'all';
  /** Only kinds starting with this (the fire department sees `fire.`). */
  kindPrefix?: string;
  /** Non-resolved alarms only. */
  openOnly: boolean;
  /** Raised at or after this instant (ISO 8601, UTC), and before `raisedBefore`. */
  raisedFrom?: string;
  raisedBefore?: string;
  limit: number;
}

export interface StoredAlarmChange extends AlarmChange {
  /** Monotonic, never reused: the SSE event id a console resumes from. */
  changeId: number;
}

export interface AlarmStore {
  get(id: string): Promise<Alarm | undefined>;
  /** The alarm of this key that is not resolved yet, if any (at most one exists). */
  findOpen(key: AlarmKey): Promise<Alarm | undefined>;
  /** Inserts or replaces the alarm's current state. */
  put(alarm: Alarm): Promise<void>;
  keyState(key: AlarmKey): Promise<AlarmKeyState | undefined>;
  putKeyState(key: AlarmKey, state: AlarmKeyState): Promise<void>;
  /** Appends to the alarm history and returns the change id. */
  appendChange(change: AlarmChange, at: number): Promise<number>;
  changesAfter(changeId: number, limit: number): Promise<StoredAlarmChange[]>;
  lastChangeId(): Promise<number>;
  list(filter: AlarmFilter): Promise<Alarm[]>;
  countByStatus(): Promise<Record<AlarmStatus, number>>;
}

export interface GatewayStatus {
  gatewayId: string;
  siteIds: string[];
  lastHeartbeatAt: number;
  outboxDepth: number;
  startedAt: number;
  offline: boolean;
}

/** A heartbeat as stored: the site list in full (provisioned sites already filled in) and the digest it was sent with. */
export interface HeartbeatRecord {
  gatewayId: string;
  siteIds: readonly string[];
  sitesDigest: string;
  outboxDepth: number;
  startedAt: number;
}

/** What the silence check needs of every gateway, without reading their site lists. */
export interface GatewayLiveness {
  gatewayId: string;
  lastHeartbeatAt: number;
  offline: boolean;
  sitesDigest: string;
}

export interface GatewayStore {
  recordHeartbeat(heartbeat: HeartbeatRecord, at: number): Promise<void>;
  /** A heartbeat that left its site list out: liveness and counters only. False when the gateway is unknown. */
  touchHeartbeat(heartbeat: Pick<HeartbeatRecord, 'gatewayId' | 'outboxDepth' | 'startedAt'>, at: number): Promise<boolean>;
  liveness(gatewayId: string): Promise<GatewayLiveness | undefined>;
  allLiveness(): Promise<GatewayLiveness[]>;
  setOffline(gatewayId: string, offline: boolean): Promise<void>;
  get(gatewayId: string): Promise<GatewayStatus | undefined>;
  all(): Promise<GatewayStatus[]>;
}
