import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { type Event, type Lane, laneFor } from '../../contract/index.ts';
import type { EventDraft } from '../core/event-draft.ts';
import type { Outbox } from './outbox.ts';

export interface SqliteOutboxOptions {
  /** Database file; the gateway's state lives beside it in the same file. */
  db: Database.Database;
  clock: () => number;
  /**
   * Runs inside the append transaction with the stored event: whatever it writes to the same
   * database commits or rolls back with the event (the upstream links' queue, docs/upstream.md).
   */
  onStored?: (event: Event) => void;
}

const LANE_CODE: Record<Lane, number> = { life_safety: 0, alarm: 1, telemetry: 2 };

/**
 * Outbox on SQLite in WAL mode. With `synchronous=NORMAL` a committed row survives a killed
 * process (kill -9) but not a power cut; `FULL` also survives the power cut at ~0.6 ms a commit
 * (measured on the project's machine; see docs/architecture.md). The gateway chooses.
 */
export class SqliteOutbox implements Outbox {
  private readonly listeners = new Set<(lane: Lane) => void>();
  private readonly insert: Database.Statement;
  private readonly nextSeq: Database.Statement;
  private readonly selectLane: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly countLanes: Database.Statement;
  private readonly appendTx: (draft: EventDraft) => Event;

  constructor(private readonly opts: SqliteOutboxOptions) {
    const { db } = opts;
    db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        lane INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS outbox_lane ON outbox (lane, n);
      CREATE TABLE IF NOT EXISTS subject_seq (
        key TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
    this.insert = db.prepare('INSERT INTO outbox (id, lane, body) VALUES (?, ?, ?)');
    this.nextSeq = db.prepare(
      'INSERT INTO subject_seq (key, seq) VALUES (?, 0) ON CONFLICT (key) DO UPDATE SET seq = seq + 1 RETURNING seq',
    );
    this.selectLane = db.prepare('SELECT body FROM outbox WHERE lane = ? ORDER BY n LIMIT ?');
    this.remove = db.prepare('DELETE FROM outbox WHERE id = ?');
    this.countLanes = db.prepare('SELECT lane, COUNT(*) AS c FROM outbox GROUP BY lane');
    this.appendTx = db.transaction((draft: EventDraft) => {
      const { seq } = this.nextSeq.get(`${draft.siteId}|${draft.subject}`) as { seq: number };
      const event = toEvent(draft, seq, randomUUID(), this.opts.clock());
      this.insert.run(event.id, LANE_CODE[event.lane], JSON.stringify(event));
      this.opts.onStored?.(event);
      return event;
    });
  }

  append(draft: EventDraft): Event {
    const event = this.appendTx(draft);
    // Wake senders only after the caller's surrounding transaction (if any) has committed.
    queueMicrotask(() => { for (const l of this.listeners) l(event.lane); });
    return event;
  }

  peek(lane: Lane, limit: number): Event[] {
    return (this.selectLane.all(LANE_CODE[lane], limit) as { body: string }[]).map((r) => JSON.parse(r.body) as Event);
  }

  ack(ids: readonly string[]): void {
    this.opts.db.transaction(() => { for (const id of ids) this.remove.run(id); })();
  }

  depth(): Record<Lane, number> {
    const out: Record<Lane, number> = { life_safety: 0, alarm: 0, telemetry: 0 };
    const names = Object.keys(LANE_CODE) as Lane[];
    for (const row of this.countLanes.all() as { lane: number; c: number }[]) {
      const name = names[row.lane];
      if (name) out[name] = row.c;
    }
    return out;
  }

  onAppend(listener: (lane: Lane) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
  }
}

function toEvent(d: EventDraft, seq: number, id: string, now: number): Event {
  return {
    id,
    siteId: d.siteId,
    kind: d.kind,
    action: d.action,
    severity: d.severity,
    lane: laneFor(d.severity, d.action),
    subject: d.subject,
    ...(d.deviceId ? { deviceId: d.deviceId } : {}),
    ...(d.residentId ? { residentId: d.residentId } : {}),
    ...(d.roomId ? { roomId: d.roomId } : {}),
    ts: d.ts,
    createdAt: now,
    seq,
    count: d.count ?? 1,
    ...(d.source ? { source: d.source } : {}),
    ...(d.details ? { details: d.details } : {}),
  };
}
