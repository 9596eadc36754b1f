import type { Database, Statement } from 'better-sqlite3';
import { ALARM_HANDLING_NONE, AlarmStatus } from '../../../contract/index.ts';
import type { Alarm, AlarmChange } from '../../../contract/index.ts';
import type { AlarmFilter, AlarmKey, AlarmKeyState, AlarmStore, StoredAlarmChange } from './types.ts';

interface KeyRow { last_seq: number; last_ts: number; last_action: 'raise' | 'clear' }

export class SqliteAlarmStore implements AlarmStore {
  private readonly byId: Statement<[string], { body: string }>;
  private readonly open: Statement<[AlarmKey], { body: string }>;
  private readonly upsert: Statement;
  private readonly key: Statement<[AlarmKey], KeyRow>;
  private readonly upsertKey: Statement;
  private readonly insertChange: Statement;
  private readonly after: Statement<[number, number], { change_id: number; body: string }>;
  private readonly sequence: Statement<[], { seq: number }>;
  private readonly listQuery: Statement<[Record<string, unknown>], { body: string }>;
  private readonly counts: Statement<[], { status: string; n: number }>;

  constructor(db: Database) {
    this.byId = db.prepare('SELECT body FROM alarms WHERE id = ?');
    this.open = db.prepare(`SELECT body FROM alarms
      WHERE site_id = @siteId AND subject = @subject AND kind = @kind AND status != 'resolved'`);
    this.upsert = db.prepare(`INSERT INTO alarms (id, site_id, subject, kind, status, raised_at, body)
      VALUES (@id, @siteId, @subject, @kind, @status, @raisedAt, @body)
      ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body`);
    this.key = db.prepare(`SELECT last_seq, last_ts, last_action FROM alarm_keys
      WHERE site_id = @siteId AND subject = @subject AND kind = @kind`);
    this.upsertKey = db.prepare(`INSERT INTO alarm_keys (site_id, subject, kind, last_seq, last_ts, last_action)
      VALUES (@siteId, @subject, @kind, @lastSeq, @lastTs, @lastAction)
      ON CONFLICT (site_id, subject, kind) DO UPDATE SET
        last_seq = excluded.last_seq, last_ts = excluded.last_ts, last_action = excluded.last_action`);
    this.insertChange = db.prepare(`INSERT INTO alarm_changes (alarm_id, site_id, change, at, body)
      VALUES (@alarmId, @siteId, @change, @at, @body)`);
    this.after = db.prepare('SELECT change_id, body FROM alarm_changes WHERE change_id > ? ORDER BY change_id LIMIT ?');
    this.sequence = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'alarm_changes'");
    // One JSON parameter carries any number of sites (a call centre may hold thousands).
    this.listQuery = db.prepare(`SELECT body FROM alarms
      WHERE (@openOnly = 0 OR status != 'resolved')
        AND (@sites IS NULL OR site_id IN (SELECT value FROM json_each(@sites)))
        AND (@kindPrefix IS NULL OR substr(kind, 1, length(@kindPrefix)) = @kindPrefix)
        AND (@raisedFrom IS NULL OR raised_at >= @raisedFrom)
        AND (@raisedBefore IS NULL OR raised_at < @raisedBefore)
      ORDER BY raised_at DESC, id DESC LIMIT @limit`);
    this.counts = db.prepare('SELECT status, count(*) AS n FROM alarms GROUP BY status');
  }

  async get(id: string): Promise<Alarm | undefined> {
    const row = this.byId.get(id);
    return row ? parseAlarm(row.body) : undefined;
  }

  async findOpen(key: AlarmKey): Promise<Alarm | undefined> {
    const row = this.open.get(pickKey(key));
    return row ? parseAlarm(row.body) : undefined;
  }

  async put(alarm: Alarm): Promise<void> {
    this.upsert.run({
      id: alarm.id,
      siteId: alarm.siteId,
      subject: alarm.subject,
      kind: alarm.kind,
      status: alarm.status,
      raisedAt: alarm.raisedAt,
      body: JSON.stringify(alarm),
    });
  }

  async keyState(key: AlarmKey): Promise<AlarmKeyState | undefined> {
    const row = this.key.get(pickKey(key));
    return row ? { lastSeq: row.last_seq, lastTs: row.last_ts, lastAction: row.last_action } : undefined;
  }

  async putKeyState(key: AlarmKey, state: AlarmKeyState): Promise<void> {
    this.upsertKey.run({ ...pickKey(key), ...state });
  }

  async appendChange(change: AlarmChange, at: number): Promise<number> {
    const result = this.insertChange.run({
      alarmId: change.alarm.id,
      siteId: change.alarm.siteId,
      change: change.change,
      at,
      body: JSON.stringify(change),
    });
    return Number(result.lastInsertRowid);
  }

  async changesAfter(changeId: number, limit: number): Promise<StoredAlarmChange[]> {
    return this.after.all(changeId, limit).map((row) => {
      const change = JSON.parse(row.body) as AlarmChange;
      return { changeId: row.change_id, change: change.change, alarm: { ...ALARM_HANDLING_NONE, ...change.alarm } };
    });
  }

  async lastChangeId(): Promise<number> {
    return this.sequence.get()?.seq ?? 0;
  }

  async list(filter: AlarmFilter): Promise<Alarm[]> {
    return this.listQuery.all({
      openOnly: filter.openOnly ? 1 : 0,
      sites: filter.sites === 'all' ? null : JSON.stringify(filter.sites),
      kindPrefix: filter.kindPrefix ?? null,
      raisedFrom: filter.raisedFrom ?? null,
      raisedBefore: filter.raisedBefore ?? null,
      limit: filter.limit,
    }).map((row) => parseAlarm(row.body));
  }

  async countByStatus(): Promise<Record<AlarmStatus, number>> {
    const counts = Object.fromEntries(AlarmStatus.options.map((s) => [s, 0])) as Record<AlarmStatus, number>;
    for (const row of this.counts.all()) {
      const parsed = AlarmStatus.safeParse(row.status);
      if (parsed.success) counts[parsed.data] = row.n;
    }
    return counts;
  }
}

// better-sqlite3 refuses named parameters an object carries but a statement does not use.
function pickKey(key: AlarmKey): AlarmKey {
  return { siteId: key.siteId, subject: key.subject, kind: key.kind };
}

/** Alarms stored before the handling fields existed read as handled by nobody yet. */
function parseAlarm(body: string): Alarm {
  return { ...ALARM_HANDLING_NONE, ...(JSON.parse(body) as Alarm) };
}
