import type { Database, Statement } from 'better-sqlite3';
import type { AlarmTimer, AlarmTimerKind, AlarmTimerStore } from './alarm-timer-store.ts';
import type { SqliteMigration } from './sqlite-migrations.ts';

export const ESCALATION_MIGRATIONS: readonly SqliteMigration[] = [{
  id: 'escalation-1',
  up: `
    CREATE TABLE alarm_timers (
      id TEXT PRIMARY KEY,
      alarm_id TEXT NOT NULL,
      site_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      due_at INTEGER NOT NULL,
      state TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX alarm_timers_due ON alarm_timers (due_at);
    CREATE INDEX alarm_timers_alarm ON alarm_timers (alarm_id);
  `,
}];

interface Row { id: string; alarm_id: string; site_id: string; kind: AlarmTimerKind; due_at: number; state: string }

const KINDS: readonly AlarmTimerKind[] = ['escalate', 'resignal', 'contact', 'deliver'];

export class SqliteAlarmTimerStore implements AlarmTimerStore {
  private readonly upsert: Statement;
  private readonly byId: Statement<[string], Row>;
  private readonly drop: Statement<[string]>;
  private readonly byAlarm: Statement<[string], Row>;
  private readonly dueQuery: Statement<[number, number], Row>;
  private readonly earliest: Statement<[], { due: number | null }>;
  private readonly counts: Statement<[], { kind: string; n: number }>;

  constructor(db: Database) {
    this.upsert = db.prepare(`INSERT INTO alarm_timers (id, alarm_id, site_id, kind, due_at, state)
      VALUES (@id, @alarmId, @siteId, @kind, @dueAt, @state)
      ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, state = excluded.state, kind = excluded.kind`);
    this.byId = db.prepare('SELECT * FROM alarm_timers WHERE id = ?');
    this.drop = db.prepare('DELETE FROM alarm_timers WHERE id = ?');
    this.byAlarm = db.prepare('SELECT * FROM alarm_timers WHERE alarm_id = ? ORDER BY due_at, id');
    this.dueQuery = db.prepare('SELECT * FROM alarm_timers WHERE due_at <= ? ORDER BY due_at, id LIMIT ?');
    this.earliest = db.prepare('SELECT min(due_at) AS due FROM alarm_timers');
    this.counts = db.prepare('SELECT kind, count(*) AS n FROM alarm_timers GROUP BY kind');
  }

  async put(timer: AlarmTimer): Promise<void> {
    this.upsert.run({ id: timer.id, alarmId: timer.alarmId, siteId: timer.siteId, kind: timer.kind, dueAt: timer.dueAt, state: JSON.stringify(timer.state) });
  }

  async get(id: string): Promise<AlarmTimer | undefined> {
    const row = this.byId.get(id);
    return row ? toTimer(row) : undefined;
  }

  async remove(id: string): Promise<boolean> {
    return this.drop.run(id).changes > 0;
  }

  async ofAlarm(alarmId: string, kinds?: readonly AlarmTimerKind[]): Promise<AlarmTimer[]> {
    return this.byAlarm.all(alarmId).filter((r) => !kinds || kinds.includes(r.kind)).map(toTimer);
  }

  async due(now: number, limit: number): Promise<AlarmTimer[]> {
    return this.dueQuery.all(now, limit).map(toTimer);
  }

  async nextDue(): Promise<number | undefined> {
    return this.earliest.get()?.due ?? undefined;
  }

  async countByKind(): Promise<Record<AlarmTimerKind, number>> {
    const counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<AlarmTimerKind, number>;
    for (const row of this.counts.all()) if ((KINDS as readonly string[]).includes(row.kind)) counts[row.kind as AlarmTimerKind] = row.n;
    return counts;
  }
}

function toTimer(row: Row): AlarmTimer {
  return { id: row.id, alarmId: row.alarm_id, siteId: row.site_id, kind: row.kind, dueAt: row.due_at, state: JSON.parse(row.state) as Record<string, unknown> };
}
