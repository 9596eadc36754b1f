import Database from 'better-sqlite3';
import { privateDbFile } from '../../contract/private-files.ts';

export type Durability = 'process' | 'power';

/**
 * One SQLite file holds the gateway's durable state: outbox, per-subject sequences, rule state.
 * `process` (synchronous=NORMAL) survives a crashed or killed process; `power` (FULL) also
 * survives a power cut, at about 20x the commit cost (docs/architecture.md has the numbers).
 */
export function openGatewayDb(dataDir: string, durability: Durability = 'process'): Database.Database {
  // Folder 0700, gateway.db* 0600 (issue 16): the outbox holds residents' events.
  const db = new Database(privateDbFile(dataDir, 'gateway.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'power' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  return db;
}
