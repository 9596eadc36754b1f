import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type Durability = 'process' | 'power';

/**
 * One SQLite file holds the gateway's durable state: outbox, per-subject sequences, rule state.
 * `process` (synchronous=NORMAL) survives a crashed or killed process; `power` (FULL) also
 * survives a power cut, at about 20x the commit cost (docs/architecture.md has the numbers).
 */
export function openGatewayDb(dataDir: string, durability: Durability = 'process'): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'gateway.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'power' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  return db;
}
