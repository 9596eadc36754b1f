import { ALARM_HANDLING_NONE, AlarmStatus } from '../../../contract/index.ts';
import type { Alarm, AlarmChange } from '../../../contract/index.ts';
import type { PgSql } from './pg-sql.ts';
import type { AlarmFilter, AlarmKey, AlarmKeyState, AlarmStore, StoredAlarmChange } from './types.ts';

interface KeyRow { last_seq: number; last_ts: number; last_action: 'raise' | 'clear' }

/** sqlite-alarms.ts in PostgreSQL: the same rows, a sequence for change ids. */
export class PgAlarmStore implements AlarmStore {
  constructor(private readonly sql: PgSql) {}

  async get(id: string): Promise<Alarm | undefined> {
    const row = await this.sql.one<{ body: string }>('alarm_get', 'SELECT body FROM alarms WHERE id = $1', [id]);
    return row ? parseAlarm(row.body) : undefined;
  }

  async findOpen(key: AlarmKey): Promise<Alarm | undefined> {
    const row = await this.sql.one<{ body: string }>('alarm_open', `SELECT body FROM alarms
      WHERE site_id = $1 AND subject = $2 AND kind = $3 AND status <> 'resolved'`, [key.siteId, key.subject, key.kind]);
    return row ? parseAlarm(row.body) : undefined;
  }

  async put(alarm: Alarm): Promise<void> {
    await this.sql.run('alarm_put', `INSERT INTO alarms (id, site_id, subject, kind, status, raised_at, body)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body`,
    [alarm.id, alarm.siteId, alarm.subject, alarm.kind, alarm.status, alarm.raisedAt, JSON.stringify(alarm)]);
  }

  async keyState(key: AlarmKey): Promise<AlarmKeyState | undefined> {
    const row = await this.sql.one<KeyRow>('alarm_key', `SELECT last_seq, last_ts, last_action FROM alarm_keys
      WHERE site_id = $1 AND subject = $2 AND kind = $3`, [key.siteId, key.subject, key.kind]);
    return row ? { lastSeq: row.last_seq, lastTs: row.last_ts, lastAction: row.last_action } : undefined;
  }

  async putKeyState(key: AlarmKey, state: AlarmKeyState): Promise<void> {
    await this.sql.run('alarm_key_put', `INSERT INTO alarm_keys (site_id, subject, kind, last_seq, last_ts, last_action)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (site_id, subject, kind) DO UPDATE SET
        last_seq = excluded.last_seq, last_ts = excluded.last_ts, last_action = excluded.last_action`,
    [key.siteId, key.subject, key.kind, state.lastSeq, state.lastTs, state.lastAction]);
  }

  async appendChange(change: AlarmChange, at: number): Promise<number> {
    const row = await this.sql.one<{ change_id: number }>('alarm_change_add', `INSERT INTO alarm_changes (alarm_id, site_id, change, at, body)
      VALUES ($1, $2, $3, $4, $5) RETURNING change_id`, [change.alarm.id, change.alarm.siteId, change.change, at, JSON.stringify(change)]);
    return row!.change_id;
  }

  async changesAfter(changeId: number, limit: number): Promise<StoredAlarmChange[]> {
    const rows = await this.sql.rows<{ change_id: number; body: string }>('alarm_changes_after',
      'SELECT change_id, body FROM alarm_changes WHERE change_id > $1 ORDER BY change_id LIMIT $2', [changeId, limit]);
    return rows.map((row) => {
      const change = JSON.parse(row.body) as AlarmChange;
      return { changeId: row.change_id, change: change.change, alarm: { ...ALARM_HANDLING_NONE, ...change.alarm } };
    });
  }

  async lastChangeId(): Promise<number> {
    // The newest committed id in this unit's snapshot (a sequence's own value runs ahead of commits).
    const row = await this.sql.one<{ id: number | null }>('alarm_change_last', 'SELECT max(change_id) AS id FROM alarm_changes');
    return row?.id ?? 0;
  }

  async list(filter: AlarmFilter): Promise<Alarm[]> {
    const rows = await this.sql.rows<{ body: string }>('alarm_list', `SELECT body FROM alarms
      WHERE (NOT $1::boolean OR status <> 'resolved')
        AND ($2::text[] IS NULL OR site_id = ANY($2::text[]))
        AND ($3::text IS NULL OR starts_with(kind, $3::text))
        AND ($4::text IS NULL OR raised_at < $4::text OR (raised_at = $4::text AND id < $5::text))
        AND ($6::text IS NULL OR raised_at >= $6::text)
        AND ($7::text IS NULL OR raised_at < $7::text)
      ORDER BY raised_at DESC, id DESC LIMIT $8`, [
      filter.openOnly,
      filter.sites === 'all' ? null : filter.sites,
      filter.kindPrefix ?? null,
      filter.after?.raisedAt ?? null,
      filter.after?.id ?? null,
      filter.raisedFrom ?? null,
      filter.raisedBefore ?? null,
      filter.limit,
    ]);
    return rows.map((row) => parseAlarm(row.body));
  }

  async countByStatus(): Promise<Record<AlarmStatus, number>> {
    const counts = Object.fromEntries(AlarmStatus.options.map((s) => [s, 0])) as Record<AlarmStatus, number>;
    const rows = await this.sql.rows<{ status: string; n: number }>('alarm_counts', 'SELECT status, count(*) AS n FROM alarms GROUP BY status');
    for (const row of rows) {
      const parsed = AlarmStatus.safeParse(row.status);
      if (parsed.success) counts[parsed.data] = row.n;
    }
    return counts;
  }
}

/** Alarms stored before the handling fields existed read as handled by nobody yet. */
function parseAlarm(body: string): Alarm {
  return { ...ALARM_HANDLING_NONE, ...(JSON.parse(body) as Alarm) };
}
