import type { Alarm, AlarmChange, AlarmStatus, Event } from '../../../contract/index.ts';

/**
 * The server's storage, behind interfaces free of SQL so that a time-series store (InfluxDB,
 * ROADMAP "The central server in full") can take the event history later. Calls are synchronous:
 * one ingest request's events and alarm writes must commit together (`atomically`), and the
 * embedded SQLite does that without awaiting. A store that cannot join that transaction (a remote
 * time-series database) would be written after the commit from the change log, never instead of it.
 */
export interface ServerStore {
  readonly events: EventStore;
  readonly alarms: AlarmStore;
  readonly gateways: GatewayStore;
  /** Runs `work` as one all-or-nothing unit: every write inside commits durably, or none does. */
  atomically<T>(work: () => T): T;
  /** Runs several reads against one consistent snapshot (no commit lands between them). */
  snapshot<T>(read: () => T): T;
  close(): void;
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
  appendIfNew(event: Event, meta: ReceivedMeta): boolean;
  has(id: string): boolean;
  devicesOfSite(siteId: string): DeviceSeen[];
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
  limit: number;
}

export interface StoredAlarmChange extends AlarmChange {
  /** Monotonic, never reused: the SSE event id a console resumes from. */
  changeId: number;
}

export interface AlarmStore {
  get(id: string): Alarm | undefined;
  /** The alarm of this key that is not resolved yet, if any (at most one exists). */
  findOpen(key: AlarmKey): Alarm | undefined;
  /** Inserts or replaces the alarm's current state. */
  put(alarm: Alarm): void;
  keyState(key: AlarmKey): AlarmKeyState | undefined;
  putKeyState(key: AlarmKey, state: AlarmKeyState): void;
  /** Appends to the alarm history and returns the change id. */
  appendChange(change: AlarmChange, at: number): number;
  changesAfter(changeId: number, limit: number): StoredAlarmChange[];
  lastChangeId(): number;
  list(filter: AlarmFilter): Alarm[];
  countByStatus(): Record<AlarmStatus, number>;
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
  recordHeartbeat(heartbeat: HeartbeatRecord, at: number): void;
  /** A heartbeat that left its site list out: liveness and counters only. False when the gateway is unknown. */
  touchHeartbeat(heartbeat: Pick<HeartbeatRecord, 'gatewayId' | 'outboxDepth' | 'startedAt'>, at: number): boolean;
  liveness(gatewayId: string): GatewayLiveness | undefined;
  allLiveness(): GatewayLiveness[];
  setOffline(gatewayId: string, offline: boolean): void;
  get(gatewayId: string): GatewayStatus | undefined;
  all(): GatewayStatus[];
}
