import type { AlarmTimer, AlarmTimerKind, AlarmTimerStore } from './alarm-timer-store.ts';
import type { PgSql } from './pg-sql.ts';

interface Row { id: string; alarm_id: string; site_id: string; kind: AlarmTimerKind; due_at: number; state: string }

const KINDS: readonly AlarmTimerKind[] = ['escalate', 'resignal', 'contact', 'deliver'];

/** sqlite-alarm-timers.ts in PostgreSQL; `due` claims what it returns (see there). */
export class PgAlarmTimerStore implements AlarmTimerStore {
  constructor(private readonly sql: PgSql) {}

  async put(timer: AlarmTimer): Promise<void> {
    await this.sql.run('timer_put', `INSERT INTO alarm_timers (id, alarm_id, site_id, kind, due_at, state) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, state = excluded.state, kind = excluded.kind`,
    [timer.id, timer.alarmId, timer.siteId, timer.kind, timer.dueAt, JSON.stringify(timer.state)]);
  }

  async get(id: string): Promise<AlarmTimer | undefined> {
    const row = await this.sql.one<Row>('timer_get', 'SELECT * FROM alarm_timers WHERE id = $1', [id]);
    return row ? toTimer(row) : undefined;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.sql.run('timer_remove', 'DELETE FROM alarm_timers WHERE id = $1', [id])) > 0;
  }

  async ofAlarm(alarmId: string, kinds?: readonly AlarmTimerKind[]): Promise<AlarmTimer[]> {
    const rows = await this.sql.rows<Row>('timer_of_alarm', 'SELECT * FROM alarm_timers WHERE alarm_id = $1 ORDER BY due_at, id', [alarmId]);
    return rows.filter((r) => !kinds || kinds.includes(r.kind)).map(toTimer);
  }

  /**
   * Claims the due timers for this unit of work (issue 22: each step fires once across replicas):
   * FOR UPDATE locks each row until the unit commits the step it took and the timer's next
   * deadline; SKIP LOCKED lets another replica take the rest meanwhile. The lock is the lease:
   * a replica that dies mid-unit loses its connection, PostgreSQL rolls its unit back, and the
   * steps are due again for the next replica's round (pg-store.ts bounds a stalled unit too).
   */
  async due(now: number, limit: number): Promise<AlarmTimer[]> {
    const rows = await this.sql.rows<Row>('timer_due',
      'SELECT * FROM alarm_timers WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED', [now, limit]);
    return rows.map(toTimer);
  }

  async nextDue(): Promise<number | undefined> {
    return (await this.sql.one<{ due: number | null }>('timer_next', 'SELECT min(due_at) AS due FROM alarm_timers'))?.due ?? undefined;
  }

  async countByKind(): Promise<Record<AlarmTimerKind, number>> {
    const counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<AlarmTimerKind, number>;
    const rows = await this.sql.rows<{ kind: string; n: number }>('timer_counts', 'SELECT kind, count(*) AS n FROM alarm_timers GROUP BY kind');
    for (const row of rows) if ((KINDS as readonly string[]).includes(row.kind)) counts[row.kind as AlarmTimerKind] = row.n;
    return counts;
  }
}

function toTimer(row: Row): AlarmTimer {
  return { id: row.id, alarmId: row.alarm_id, siteId: row.site_id, kind: row.kind, dueAt: row.due_at, state: JSON.parse(row.state) as Record<string, unknown> };
}
