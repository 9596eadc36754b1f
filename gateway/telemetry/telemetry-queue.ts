import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Reading } from '../../contract/index.ts';

export const TELEMETRY_DB_FILE = 'telemetry.db';

export interface TelemetryQueueOptions {
  dataDir: string;
  /** Readings kept at most; when full the oldest go first (default 200,000 ≈ a day of a large home at 5-minute samples). */
  maxReadings?: number;
  /** Called with how many old readings were dropped to make room (logged and counted by the caller). */
  onDrop: (count: number) => void;
}

/**
 * The telemetry lane's own durable queue, in its own file (`telemetry.db`), apart from the
 * life-safety outbox in `gateway.db`: a backlog of samples never grows the outbox, never shares
 * its write lock, and never delays an alarm's commit. Bounded: history may lose its oldest
 * samples in a long outage (said loud: counted and logged), never the gateway its disk.
 * Readings are buffered in memory and written in one transaction per flush.
 */
export class TelemetryQueue {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly buffer: string[] = [];
  private readonly max: number;
  private count: number;

  constructor(private readonly opts: TelemetryQueueOptions) {
    mkdirSync(opts.dataDir, { recursive: true });
    this.db = new Database(join(opts.dataDir, TELEMETRY_DB_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS telemetry (id INTEGER PRIMARY KEY AUTOINCREMENT, reading TEXT NOT NULL)');
    this.insert = this.db.prepare('INSERT INTO telemetry (reading) VALUES (?)');
    this.max = opts.maxReadings ?? 200_000;
    this.count = (this.db.prepare('SELECT count(*) AS n FROM telemetry').get() as { n: number }).n;
  }

  /** Queues in memory; `flush()` makes it durable. */
  push(reading: Reading): void {
    this.buffer.push(JSON.stringify(reading));
  }

  /** Readings waiting (written and buffered). */
  get depth(): number {
    return this.count + this.buffer.length;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Writes the buffer in one transaction, dropping the oldest beyond the bound. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const rows = this.buffer.splice(0);
    this.db.transaction(() => {
      for (const row of rows) this.insert.run(row);
      this.count += rows.length;
      const over = this.count - this.max;
      if (over > 0) {
        this.db.prepare('DELETE FROM telemetry WHERE id IN (SELECT id FROM telemetry ORDER BY id LIMIT ?)').run(over);
        this.count -= over;
        this.opts.onDrop(over);
      }
    })();
  }

  /** The oldest readings, with the id of the last one (for `ack`). */
  peek(limit: number): { upTo: number; readings: string[] } {
    const rows = this.db.prepare('SELECT id, reading FROM telemetry ORDER BY id LIMIT ?').all(limit) as Array<{ id: number; reading: string }>;
    return { upTo: rows.at(-1)?.id ?? 0, readings: rows.map((r) => r.reading) };
  }

  /** Removes every reading up to and including id `upTo` (the server has them). */
  ack(upTo: number): void {
    const removed = this.db.prepare('DELETE FROM telemetry WHERE id <= ?').run(upTo).changes;
    this.count = Math.max(0, this.count - removed);
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
