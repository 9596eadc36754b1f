import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { type Event, type IngestRefusal, type Lane, type ParkedEvent, type ParkedList, laneFor } from '../../contract/index.ts';
import type { EventDraft } from '../core/kit/event-draft.ts';
import { PowerSafeCommits } from '../store/power-safe-commits.ts';
import type { Durability } from '../store/open-gateway-db.ts';
import { migrateOutbox } from './outbox-schema.ts';
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
  /** As the database was opened with (store/open-gateway-db.ts); default `alarms`. */
  durability?: Durability;
}

const LANE_CODE: Record<Lane, number> = { life_safety: 0, alarm: 1, telemetry: 2 };
const LANES = Object.keys(LANE_CODE) as Lane[];

/**
 * Outbox on SQLite in WAL mode. Under the default durability (`alarms`) a commit that carries an
 * alarm (any event outside the telemetry lane) is made power-safe before the device is
 * acknowledged, and quiet telemetry stays at `synchronous=NORMAL` (survives kill -9, not a power
 * cut) — issue 15, defect 4; the cost of each is in `npm run bench`.
 *
 * An event the server refuses is parked: it stays in its row, marked, and `peek` passes it by,
 * so it never holds its lane (issue 15, defect 1); `reoffer` unmarks it in its old place.
 */
export class SqliteOutbox implements Outbox {
  private readonly listeners = new Set<(lane: Lane) => void>();
  private readonly eventListeners = new Set<(event: Event) => void>();
  private readonly powerSafe: PowerSafeCommits;
  private readonly insert: Database.Statement;
  private readonly nextSeq: Database.Statement;
  private readonly selectLane: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly park: Database.Statement;
  private readonly bodyOf: Database.Statement;
  private readonly unpark: Database.Statement;
  private readonly selectParked: Database.Statement;
  private readonly countParked: Database.Statement;
  private readonly anyRefused: Database.Statement;
  private readonly countLanes: Database.Statement;
  private readonly insertParked: Database.Statement;
  private readonly refusalCount: Database.Statement;
  private readonly appendTx: (draft: EventDraft) => Event;
  private readonly settleTx: (stored: readonly string[], refused: readonly IngestRefusal[]) => Event[];

  constructor(private readonly opts: SqliteOutboxOptions) {
    const { db } = opts;
    migrateOutbox(db);
    this.powerSafe = new PowerSafeCommits(db, opts.durability ?? 'alarms');
    this.insert = db.prepare('INSERT INTO outbox (id, lane, body) VALUES (?, ?, ?)');
    this.nextSeq = db.prepare(
      'INSERT INTO subject_seq (key, seq) VALUES (?, 0) ON CONFLICT (key) DO UPDATE SET seq = seq + 1 RETURNING seq',
    );
    this.selectLane = db.prepare('SELECT body FROM outbox WHERE lane = ? AND parked_at IS NULL ORDER BY n LIMIT ?');
    // A parked row stays: a JetStream verdict may refuse an event before its lane settled the stream's ack.
    this.remove = db.prepare('DELETE FROM outbox WHERE id = ? AND parked_at IS NULL');
    this.park = db.prepare(`UPDATE outbox SET parked_at = ?, refusal_code = ?, refusal_reason = ?, refusals = refusals + 1
      WHERE id = ? AND parked_at IS NULL RETURNING body`);
    this.bodyOf = db.prepare('SELECT body FROM outbox WHERE id = ?');
    this.unpark = db.prepare('UPDATE outbox SET parked_at = NULL WHERE parked_at IS NOT NULL');
    this.selectParked = db.prepare(`SELECT body, parked_at, refusal_code, refusal_reason, refusals FROM outbox
      WHERE parked_at IS NOT NULL ORDER BY n LIMIT ?`);
    this.countParked = db.prepare('SELECT COUNT(*) AS c FROM outbox WHERE parked_at IS NOT NULL');
    this.anyRefused = db.prepare('SELECT 1 FROM outbox WHERE refusals > 0 LIMIT 1');
    this.countLanes = db.prepare('SELECT lane, COUNT(*) AS c FROM outbox WHERE parked_at IS NULL GROUP BY lane');
    this.insertParked = db.prepare(`INSERT INTO outbox (id, lane, body, parked_at, refusal_code, refusal_reason, refusals)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET parked_at = excluded.parked_at, refusal_code = excluded.refusal_code,
      refusal_reason = excluded.refusal_reason, refusals = excluded.refusals WHERE parked_at IS NULL`);
    this.refusalCount = db.prepare('SELECT refusals FROM outbox WHERE id = ?');
    this.appendTx = db.transaction((draft: EventDraft) => {
      const { seq } = this.nextSeq.get(`${draft.siteId}|${draft.subject}`) as { seq: number };
      const event = toEvent(draft, seq, randomUUID(), this.opts.clock());
      this.insert.run(event.id, LANE_CODE[event.lane], JSON.stringify(event));
      this.opts.onStored?.(event);
      return event;
    });
    this.settleTx = db.transaction((stored: readonly string[], refused: readonly IngestRefusal[]) => {
      for (const id of stored) this.remove.run(id);
      const now = this.opts.clock();
      const parked: Event[] = [];
      for (const r of refused) {
        const row = this.park.get(now, r.code, r.reason.slice(0, 1000), r.id) as { body: string } | undefined;
        if (row) parked.push(JSON.parse(row.body) as Event);
      }
      return parked;
    });
  }

  append(draft: EventDraft): Event {
    const alarm = laneFor(draft.severity, draft.action) !== 'telemetry';
    const event = this.powerSafe.commit(alarm, () => this.appendTx(draft));
    // Wake senders only after the caller's surrounding transaction (if any) has committed.
    queueMicrotask(() => {
      for (const l of this.listeners) l(event.lane);
      for (const l of this.eventListeners) l(event);
    });
    return event;
  }

  afterCommit(): void {
    this.powerSafe.afterOuterCommit();
  }

  peek(lane: Lane, limit: number): Event[] {
    return (this.selectLane.all(LANE_CODE[lane], limit) as { body: string }[]).map((r) => JSON.parse(r.body) as Event);
  }

  ack(ids: readonly string[]): void {
    this.settleTx(ids, []);
  }

  settle(stored: readonly string[], refused: readonly IngestRefusal[]): Event[] {
    return this.settleTx(stored, refused);
  }

  returnRefused(event: Event, refusal: IngestRefusal, refusals: number): boolean {
    const lane = LANE_CODE[event.lane] ?? LANE_CODE.alarm;
    return this.insertParked.run(event.id, lane, JSON.stringify(event), this.opts.clock(), refusal.code, refusal.reason.slice(0, 1000), refusals).changes > 0;
  }

  refusalsOf(ids: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const id of ids) out.set(id, (this.refusalCount.get(id) as { refusals: number } | undefined)?.refusals ?? 0);
    return out;
  }

  reoffer(): number {
    return this.unpark.run().changes;
  }

  parked(limit: number): ParkedList {
    const rows = this.selectParked.all(limit) as Array<{ body: string; parked_at: number; refusal_code: ParkedEvent['code']; refusal_reason: string; refusals: number }>;
    const events = rows.map((r): ParkedEvent => {
      const e = JSON.parse(r.body) as Event;
      return {
        id: e.id, siteId: e.siteId, kind: e.kind, severity: e.severity, lane: e.lane, subject: e.subject,
        ...(e.deviceId ? { deviceId: e.deviceId } : {}),
        ts: e.ts, parkedAt: r.parked_at, code: r.refusal_code, reason: r.refusal_reason, refusals: r.refusals,
      };
    });
    return { total: (this.countParked.get() as { c: number }).c, events };
  }

  holdsRefused(): boolean {
    return this.anyRefused.get() !== undefined;
  }

  /** One stored event by id (tests, and what a parked row carries). */
  get(id: string): Event | undefined {
    const row = this.bodyOf.get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Event) : undefined;
  }

  depth(): Record<Lane, number> {
    const out: Record<Lane, number> = { life_safety: 0, alarm: 0, telemetry: 0 };
    for (const row of this.countLanes.all() as { lane: number; c: number }[]) {
      const name = LANES[row.lane];
      if (name) out[name] = row.c;
    }
    return out;
  }

  onAppend(listener: (lane: Lane) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Each event appended, after the caller's surrounding transaction (the gateway's local alarm
   * page keeps its active alarms from them). One rolled back is seen all the same; the device's
   * retry raises it again under the same alarm key.
   */
  onEvent(listener: (event: Event) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    this.eventListeners.clear();
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
