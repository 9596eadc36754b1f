import type { Event } from '../../../contract/index.ts';
import type { PgSql } from './pg-sql.ts';
import type { DeviceSeen, EventStore, ReceivedMeta } from './types.ts';

interface DeviceRow { site_id: string; device_id: string; room_id: string | null; resident_id: string | null; last_seen: number; last_kind: string }

/** sqlite-events.ts in PostgreSQL: an event id is stored once across every replica (its primary key). */
export class PgEventStore implements EventStore {
  constructor(private readonly sql: PgSql) {}

  async appendIfNew(event: Event, meta: ReceivedMeta): Promise<boolean> {
    // ON CONFLICT DO NOTHING: the same id arriving at two replicas at once waits for the first
    // unit's commit, then counts as a duplicate (issue 22: exactly-once in effect).
    const added = await this.sql.run('event_add', `INSERT INTO events
      (id, site_id, kind, action, subject, device_id, ts, seq, gateway_id, received_at, body)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`, [
      event.id, event.siteId, event.kind, event.action, event.subject, event.deviceId ?? null,
      event.ts, event.seq, meta.gatewayId, meta.receivedAt, JSON.stringify(event),
    ]);
    if (added === 0) return false;
    if (event.deviceId) {
      // Latest view only moves forward in device time; the history stays in `events`.
      await this.sql.run('device_touch', `INSERT INTO devices AS d (site_id, device_id, room_id, resident_id, last_seen, last_kind)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (site_id, device_id) DO UPDATE SET
          room_id = coalesce(excluded.room_id, d.room_id),
          resident_id = coalesce(excluded.resident_id, d.resident_id),
          last_seen = greatest(d.last_seen, excluded.last_seen),
          last_kind = CASE WHEN excluded.last_seen >= d.last_seen THEN excluded.last_kind ELSE d.last_kind END`,
      [event.siteId, event.deviceId, event.roomId ?? null, event.residentId ?? null, event.ts, event.kind]);
    }
    return true;
  }

  async has(id: string): Promise<boolean> {
    return (await this.sql.one('event_has', 'SELECT 1 FROM events WHERE id = $1', [id])) !== undefined;
  }

  async devicesOfSite(siteId: string): Promise<DeviceSeen[]> {
    const rows = await this.sql.rows<DeviceRow>('devices_of_site', 'SELECT * FROM devices WHERE site_id = $1 ORDER BY device_id', [siteId]);
    return rows.map((row) => ({
      siteId: row.site_id, deviceId: row.device_id, roomId: row.room_id, residentId: row.resident_id, lastSeen: row.last_seen, lastKind: row.last_kind,
    }));
  }
}
