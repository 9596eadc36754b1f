import type { Database, Statement } from 'better-sqlite3';
import type { Event } from '../../../contract/index.ts';
import type { DeviceSeen, EventStore, ReceivedMeta } from './types.ts';

interface DeviceRow {
  site_id: string;
  device_id: string;
  room_id: string | null;
  resident_id: string | null;
  last_seen: number;
  last_kind: string;
}

/** A device's latest view as the events of one unit of work leave it, written once when the unit ends. */
interface DeviceTouch {
  siteId: string;
  deviceId: string;
  roomId: string | null;
  residentId: string | null;
  ts: number;
  kind: string;
}

export class SqliteEventStore implements EventStore {
  private readonly insert: Statement;
  /**
   * Device views moved by this unit's events, by site and device: a batch with a call and its
   * cancel from one button writes the button's row once (issue 18's ingest goal). Written by
   * `endUnit`, before the commit, and before any read of the devices inside the unit.
   */
  private readonly touched = new Map<string, DeviceTouch>();
  private readonly exists: Statement<[string], { one: number }>;
  private readonly touchDevice: Statement;
  private readonly devices: Statement<[string], DeviceRow>;

  constructor(db: Database) {
    this.insert = db.prepare(`INSERT OR IGNORE INTO events
      (id, site_id, kind, action, subject, device_id, ts, seq, gateway_id, received_at, body)
      VALUES (@id, @siteId, @kind, @action, @subject, @deviceId, @ts, @seq, @gatewayId, @receivedAt, @body)`);
    this.exists = db.prepare('SELECT 1 AS one FROM events WHERE id = ?');
    // Latest view only moves forward in device time; the history stays in `events`.
    this.touchDevice = db.prepare(`INSERT INTO devices (site_id, device_id, room_id, resident_id, last_seen, last_kind)
      VALUES (@siteId, @deviceId, @roomId, @residentId, @ts, @kind)
      ON CONFLICT (site_id, device_id) DO UPDATE SET
        room_id = coalesce(excluded.room_id, room_id),
        resident_id = coalesce(excluded.resident_id, resident_id),
        last_seen = max(last_seen, excluded.last_seen),
        last_kind = CASE WHEN excluded.last_seen >= last_seen THEN excluded.last_kind ELSE last_kind END`);
    this.devices = db.prepare('SELECT * FROM devices WHERE site_id = ? ORDER BY device_id');
  }

  async appendIfNew(event: Event, meta: ReceivedMeta): Promise<boolean> {
    const result = this.insert.run({
      id: event.id,
      siteId: event.siteId,
      kind: event.kind,
      action: event.action,
      subject: event.subject,
      deviceId: event.deviceId ?? null,
      ts: event.ts,
      seq: event.seq,
      gatewayId: meta.gatewayId,
      receivedAt: meta.receivedAt,
      body: JSON.stringify(event),
    });
    if (result.changes === 0) return false;
    if (event.deviceId) this.touch(event.siteId, event.deviceId, event.roomId ?? null, event.residentId ?? null, event.ts, event.kind);
    return true;
  }

  /** Merges one event into the device's pending view as the upsert would apply it after the others. */
  private touch(siteId: string, deviceId: string, roomId: string | null, residentId: string | null, ts: number, kind: string): void {
    const key = `${siteId}\0${deviceId}`;
    const pending = this.touched.get(key);
    if (!pending) {
      this.touched.set(key, { siteId, deviceId, roomId, residentId, ts, kind });
      return;
    }
    pending.roomId = roomId ?? pending.roomId;
    pending.residentId = residentId ?? pending.residentId;
    if (ts >= pending.ts) {
      pending.ts = ts;
      pending.kind = kind;
    }
  }

  /** The store calls this before a unit of work commits: the devices' views it moved are written. */
  endUnit(): void {
    for (const touch of this.touched.values()) this.touchDevice.run(touch);
    this.touched.clear();
  }

  /** The store calls this as each unit of work begins: nothing left from a unit rolled back. */
  startUnit(): void {
    this.touched.clear();
  }

  async has(id: string): Promise<boolean> {
    return this.exists.get(id) !== undefined;
  }

  async devicesOfSite(siteId: string): Promise<DeviceSeen[]> {
    this.endUnit();
    return this.devices.all(siteId).map((row) => ({
      siteId: row.site_id,
      deviceId: row.device_id,
      roomId: row.room_id,
      residentId: row.resident_id,
      lastSeen: row.last_seen,
      lastKind: row.last_kind,
    }));
  }
}
