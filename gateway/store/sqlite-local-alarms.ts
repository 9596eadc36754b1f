import type Database from 'better-sqlite3';
import type { Event, EventKind, Severity } from '../../contract/index.ts';

/** One open life-safety alarm of the gateway's local page, as kept on disk. */
export interface StoredLocalAlarm {
  key: string;
  siteId: string;
  subject: string;
  kind: EventKind;
  severity: Severity;
  deviceId: string | null;
  roomId: string | null;
  raisedAt: number;
  count: number;
  silencedAt: number | null;
}

/** Keyed as the server keys alarms: (site, subject, kind). */
export function localAlarmKey(e: Pick<Event, 'siteId' | 'subject' | 'kind'>): string {
  return `${e.siteId}|${e.subject}|${e.kind}`;
}

/**
 * The local alarm page's open alarms (alarm-page/local-alarms.ts) in the gateway database, so a
 * gateway restarted during an outage still shows them (issue 15). `record` runs inside the
 * outbox's append transaction (`SqliteOutbox` `onStored`): an alarm is on the list exactly when
 * its event is in the outbox, and power-safe with it.
 */
export class SqliteLocalAlarms {
  /** The table was made now: a gateway from before it (its list was in memory only). */
  readonly created: boolean;
  private readonly raise: Database.Statement;
  private readonly clear: Database.Statement;
  private readonly one: Database.Statement;
  private readonly every: Database.Statement;
  private readonly silenceOne: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.created = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'local_alarms'").get() === undefined;
    db.exec(`CREATE TABLE IF NOT EXISTS local_alarms (
      key TEXT PRIMARY KEY, site_id TEXT NOT NULL, subject TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
      device_id TEXT, room_id TEXT, raised_at INTEGER NOT NULL, count INTEGER NOT NULL, silenced_at INTEGER
    ) WITHOUT ROWID`);
    // A repeat keeps the first raise's time and a local silence; it adds its count and brings the latest place.
    this.raise = db.prepare(`INSERT INTO local_alarms (key, site_id, subject, kind, severity, device_id, room_id, raised_at, count, silenced_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
      ON CONFLICT (key) DO UPDATE SET severity = excluded.severity, device_id = excluded.device_id, room_id = excluded.room_id,
        count = count + excluded.count`);
    this.clear = db.prepare('DELETE FROM local_alarms WHERE key = ?');
    const columns = `key, site_id AS siteId, subject, kind, severity, device_id AS deviceId, room_id AS roomId,
      raised_at AS raisedAt, count, silenced_at AS silencedAt`;
    this.one = db.prepare(`SELECT ${columns} FROM local_alarms WHERE key = ?`);
    this.every = db.prepare(`SELECT ${columns} FROM local_alarms`);
    this.silenceOne = db.prepare('UPDATE local_alarms SET silenced_at = ? WHERE key = ? AND silenced_at IS NULL');
  }

  /** An event the outbox stores: a life-safety raise opens or repeats its alarm, the same key's clear closes it. */
  record(e: Event): void {
    if (e.action === 'clear') this.clear.run(localAlarmKey(e));
    else if (e.action === 'raise' && e.lane === 'life_safety') {
      this.raise.run(localAlarmKey(e), e.siteId, e.subject, e.kind, e.severity, e.deviceId ?? null, e.roomId ?? null, e.ts, e.count);
    }
  }

  get(key: string): StoredLocalAlarm | undefined {
    return this.one.get(key) as StoredLocalAlarm | undefined;
  }

  all(): StoredLocalAlarm[] {
    return this.every.all() as StoredLocalAlarm[];
  }

  /** Staff silenced these on the page (not an acknowledgement). */
  silence(keys: readonly string[], at: number): void {
    this.db.transaction(() => { for (const key of keys) this.silenceOne.run(at, key); })();
  }
}
