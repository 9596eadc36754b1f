import type { Database, Statement } from 'better-sqlite3';
import type { HeartbeatRequest } from '../../../contract/index.ts';
import type { GatewayStatus, GatewayStore } from './types.ts';

interface GatewayRow {
  gateway_id: string;
  site_ids: string;
  last_heartbeat_at: number;
  outbox_depth: number;
  started_at: number;
  offline: number;
}

export class SqliteGatewayStore implements GatewayStore {
  private readonly upsert: Statement;
  private readonly offline: Statement<[number, string]>;
  private readonly one: Statement<[string], GatewayRow>;
  private readonly every: Statement<[], GatewayRow>;

  constructor(db: Database) {
    this.upsert = db.prepare(`INSERT INTO gateways (gateway_id, site_ids, last_heartbeat_at, outbox_depth, started_at)
      VALUES (@gatewayId, @siteIds, @at, @outboxDepth, @startedAt)
      ON CONFLICT (gateway_id) DO UPDATE SET site_ids = excluded.site_ids,
        last_heartbeat_at = excluded.last_heartbeat_at, outbox_depth = excluded.outbox_depth,
        started_at = excluded.started_at`);
    this.offline = db.prepare('UPDATE gateways SET offline = ? WHERE gateway_id = ?');
    this.one = db.prepare('SELECT * FROM gateways WHERE gateway_id = ?');
    this.every = db.prepare('SELECT * FROM gateways ORDER BY gateway_id');
  }

  recordHeartbeat(heartbeat: HeartbeatRequest, at: number): void {
    this.upsert.run({
      gatewayId: heartbeat.gatewayId,
      siteIds: JSON.stringify(heartbeat.siteIds),
      at,
      outboxDepth: heartbeat.outboxDepth,
      startedAt: heartbeat.startedAt,
    });
  }

  setOffline(gatewayId: string, offline: boolean): void {
    this.offline.run(offline ? 1 : 0, gatewayId);
  }

  get(gatewayId: string): GatewayStatus | undefined {
    const row = this.one.get(gatewayId);
    return row ? toStatus(row) : undefined;
  }

  all(): GatewayStatus[] {
    return this.every.all().map(toStatus);
  }
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
