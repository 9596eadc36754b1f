import type Database from 'better-sqlite3';
import type { Event, Lane } from '../../contract/index.ts';

const LANE_CODE: Record<Lane, number> = { life_safety: 0, alarm: 1, telemetry: 2 };

export interface QueuedEvent {
  n: number;
  event: Event;
  /** The link's message number given on the first try; null until then. A retry repeats it. */
  seq: number | null;
}

/**
 * The durable queue of each upstream link, in the gateway's database. `enqueue` runs inside the
 * outbox's append transaction (SqliteOutbox `onStored`), so an event is queued upstream exactly
 * when it is stored — a kill -9 keeps both or neither. Each link takes its rows life-safety
 * first, then oldest first, and forgets a row only once its receiver acknowledged it.
 */
export class UpstreamQueue {
  private readonly insert: Database.Statement;
  private readonly head: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly setSeq: Database.Statement;
  private readonly nextSeqStmt: Database.Statement;
  private readonly count: Database.Statement;
  private readonly giveSeq: (link: string, row: QueuedEvent, wrap: number) => number;

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS upstream_queue (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        link TEXT NOT NULL,
        priority INTEGER NOT NULL,
        body TEXT NOT NULL,
        seq INTEGER
      );
      CREATE INDEX IF NOT EXISTS upstream_queue_link ON upstream_queue (link, priority, n);
      CREATE TABLE IF NOT EXISTS upstream_seq (
        link TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
    this.insert = db.prepare('INSERT INTO upstream_queue (link, priority, body) VALUES (?, ?, ?)');
    this.head = db.prepare('SELECT n, body, seq FROM upstream_queue WHERE link = ? ORDER BY priority, n LIMIT 1');
    this.remove = db.prepare('DELETE FROM upstream_queue WHERE n = ?');
    this.setSeq = db.prepare('UPDATE upstream_queue SET seq = ? WHERE n = ?');
    this.nextSeqStmt = db.prepare(
      'INSERT INTO upstream_seq (link, seq) VALUES (?, 1) ON CONFLICT (link) DO UPDATE SET seq = seq % ? + 1 RETURNING seq',
    );
    this.count = db.prepare('SELECT link, COUNT(*) AS c FROM upstream_queue GROUP BY link');
    this.giveSeq = db.transaction((link: string, row: QueuedEvent, wrap: number) => {
      const seq = this.nextSeq(link, wrap);
      this.setSeq.run(seq, row.n);
      return seq;
    });
  }

  enqueue(link: string, event: Event): void {
    this.insert.run(link, LANE_CODE[event.lane], JSON.stringify(event));
  }

  peek(link: string): QueuedEvent | undefined {
    const row = this.head.get(link) as { n: number; body: string; seq: number | null } | undefined;
    return row ? { n: row.n, event: JSON.parse(row.body) as Event, seq: row.seq } : undefined;
  }

  /** The row's message number, given once and kept (so a retry after a restart repeats it). */
  seqFor(link: string, row: QueuedEvent, wrap: number): number {
    if (row.seq !== null) return row.seq;
    row.seq = this.giveSeq(link, row, wrap);
    return row.seq;
  }

  /** Next message number of the link, 1…wrap then 1 again. */
  nextSeq(link: string, wrap: number): number {
    return (this.nextSeqStmt.get(link, wrap) as { seq: number }).seq;
  }

  done(n: number): void {
    this.remove.run(n);
  }

  depth(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.count.all() as { link: string; c: number }[]) out[r.link] = r.c;
    return out;
  }
}
