import type { PgSql } from './pg-sql.ts';
import type { GatewayLiveness, GatewayStatus, GatewayStore, HeartbeatRecord } from './types.ts';

interface GatewayRow {
  gateway_id: string; site_ids: string; last_heartbeat_at: number; outbox_depth: number; started_at: number; offline: boolean; sites_digest: string;
}
type LivenessRow = Pick<GatewayRow, 'gateway_id' | 'last_heartbeat_at' | 'offline' | 'sites_digest'>;

const LIVENESS = 'SELECT gateway_id, last_heartbeat_at, offline, sites_digest FROM gateways';

/** sqlite-gateways.ts in PostgreSQL. */
export class PgGatewayStore implements GatewayStore {
  constructor(private readonly sql: PgSql) {}

  async recordHeartbeat(heartbeat: HeartbeatRecord, at: number): Promise<void> {
    await this.sql.run('gateway_heartbeat', `INSERT INTO gateways (gateway_id, site_ids, sites_digest, last_heartbeat_at, outbox_depth, started_at)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (gateway_id) DO UPDATE SET site_ids = excluded.site_ids, sites_digest = excluded.sites_digest,
        last_heartbeat_at = excluded.last_heartbeat_at, outbox_depth = excluded.outbox_depth, started_at = excluded.started_at`,
    [heartbeat.gatewayId, JSON.stringify(heartbeat.siteIds), heartbeat.sitesDigest, at, heartbeat.outboxDepth, heartbeat.startedAt]);
  }

  async touchHeartbeat(heartbeat: Pick<HeartbeatRecord, 'gatewayId' | 'outboxDepth' | 'startedAt'>, at: number): Promise<boolean> {
    return (await this.sql.run('gateway_touch', 'UPDATE gateways SET last_heartbeat_at = $2, outbox_depth = $3, started_at = $4 WHERE gateway_id = $1',
      [heartbeat.gatewayId, at, heartbeat.outboxDepth, heartbeat.startedAt])) > 0;
  }

  async liveness(gatewayId: string): Promise<GatewayLiveness | undefined> {
    const row = await this.sql.one<LivenessRow>('gateway_liveness', `${LIVENESS} WHERE gateway_id = $1`, [gatewayId]);
    return row ? toLiveness(row) : undefined;
  }

  async allLiveness(): Promise<GatewayLiveness[]> {
    return (await this.sql.rows<LivenessRow>('gateway_liveness_all', `${LIVENESS} ORDER BY gateway_id`)).map(toLiveness);
  }

  async setOffline(gatewayId: string, offline: boolean): Promise<void> {
    await this.sql.run('gateway_offline', 'UPDATE gateways SET offline = $2 WHERE gateway_id = $1', [gatewayId, offline]);
  }

  async get(gatewayId: string): Promise<GatewayStatus | undefined> {
    const row = await this.sql.one<GatewayRow>('gateway_get', 'SELECT * FROM gateways WHERE gateway_id = $1', [gatewayId]);
    return row ? toStatus(row) : undefined;
  }

  async all(): Promise<GatewayStatus[]> {
    return (await this.sql.rows<GatewayRow>('gateway_all', 'SELECT * FROM gateways ORDER BY gateway_id')).map(toStatus);
  }
}

function toLiveness(row: LivenessRow): GatewayLiveness {
  return { gatewayId: row.gateway_id, lastHeartbeatAt: row.last_heartbeat_at, offline: row.offline, sitesDigest: row.sites_digest };
}

function toStatus(row: GatewayRow): GatewayStatus {
  return {
    gatewayId: row.gateway_id, siteIds: JSON.parse(row.site_ids) as string[], lastHeartbeatAt: row.last_heartbeat_at,
    outboxDepth: row.outbox_depth, startedAt: row.started_at, offline: row.offline,
  };
}
