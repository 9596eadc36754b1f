import type { Database, Statement } from 'better-sqlite3';
import type { GatewayLiveness, GatewayStatus, GatewayStore, HeartbeatRecord } from './types.ts';

interface GatewayRow {
  gateway_id: string;
  site_ids: string;
  last_heartbeat_at: number;
  outbox_depth: number;
  started_at: number;
  offline: number;
  sites_digest: string;
}

type LivenessRow = Pick<GatewayRow, 'gateway_id' | 'last_heartbeat_at' | 'offline' | 'sites_digest'>;

export class SqliteGatewayStore implements GatewayStore {
  private readonly upsert: Statement;
  private readonly offline: Statement<[number, string]>;
  private readonly one: Statement<[string], GatewayRow>;
  private readonly every: Statement<[], GatewayRow>;
  private readonly touch: Statement;
  private readonly alive: Statement<[string], LivenessRow>;
  private readonly allAlive: Statement<[], LivenessRow>;

  constructor(db: Database) {
    this.upsert = db.prepare(`INSERT INTO gateways (gateway_id, site_ids, sites_digest, last_heartbeat_at, outbox_depth, started_at)
      VALUES (@gatewayId, @siteIds, @sitesDigest, @at, @outboxDepth, @startedAt)
      ON CONFLICT (gateway_id) DO UPDATE SET site_ids = excluded.site_ids, sites_digest = excluded.sites_digest,
        last_heartbeat_at = excluded.last_heartbeat_at, outbox_depth = excluded.outbox_depth,
        started_at = excluded.started_at`);
    this.touch = db.prepare(`UPDATE gateways SET last_heartbeat_at = @at, outbox_depth = @outboxDepth, started_at = @startedAt
      WHERE gateway_id = @gatewayId`);
    const liveness = 'SELECT gateway_id, last_heartbeat_at, offline, sites_digest FROM gateways';
    this.alive = db.prepare(`${liveness} WHERE gateway_id = ?`);
    this.allAlive = db.prepare(`${liveness} ORDER BY gateway_id`);
    this.offline = db.prepare('UPDATE gateways SET offline = ? WHERE gateway_id = ?');
    this.one = db.prepare('SELECT * FROM gateways WHERE gateway_id = ?');
    this.every = db.prepare('SELECT * FROM gateways ORDER BY gateway_id');
  }

  async recordHeartbeat(heartbeat: HeartbeatRecord, at: number): Promise<void> {
    this.upsert.run({
      gatewayId: heartbeat.gatewayId,
      siteIds: JSON.stringify(heartbeat.siteIds),
      sitesDigest: heartbeat.sitesDigest,
      at,
      outboxDepth: heartbeat.outboxDepth,
      startedAt: heartbeat.startedAt,
    });
  }

  async touchHeartbeat(heartbeat: Pick<HeartbeatRecord, 'gatewayId' | 'outboxDepth' | 'startedAt'>, at: number): Promise<boolean> {
    return this.touch.run({ gatewayId: heartbeat.gatewayId, at, outboxDepth: heartbeat.outboxDepth, startedAt: heartbeat.startedAt }).changes > 0;
  }

  async liveness(gatewayId: string): Promise<GatewayLiveness | undefined> {
    const row = this.alive.get(gatewayId);
    return row ? toLiveness(row) : undefined;
  }

  async allLiveness(): Promise<GatewayLiveness[]> {
    return this.allAlive.all().map(toLiveness);
  }

  async setOffline(gatewayId: string, offline: boolean): Promise<void> {
    this.offline.run(offline ? 1 : 0, gatewayId);
  }

  async get(gatewayId: string): Promise<GatewayStatus | undefined> {
    const row = this.one.get(gatewayId);
    return row ? toStatus(row) : undefined;
  }

  async all(): Promise<GatewayStatus[]> {
    return this.every.all().map(toStatus);
  }
}

function toLiveness(row: LivenessRow): GatewayLiveness {
  return { gatewayId: row.gateway_id, lastHeartbeatAt: row.last_heartbeat_at, offline: row.offline === 1, sitesDigest: row.sites_digest };
}

function toStatus(row: GatewayRow): GatewayStatus {
  return {
    gatewayId: row.gateway_id,
    siteIds: JSON.parse(row.site_ids) as string[],
    lastHeartbeatAt: row.last_heartbeat_at,
    outboxDepth: row.outbox_depth,
    startedAt: row.started_at,
    offline: row.offline === 1,
  };
}
