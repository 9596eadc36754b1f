import Database from 'better-sqlite3';
import { privateDbFile } from '../../contract/private-files.ts';

/**
 * `process` (synchronous=NORMAL): every commit survives a crashed or killed process, not a power cut.
 * `alarms` (the default; issue 15, defect 4): as `process`, and a commit that carries an alarm is
 * also power-safe (FULL) before the device is acknowledged (store/power-safe-commits.ts).
 * `power` (FULL): every commit survives a power cut, telemetry too.
 * The cost of each: `npm run bench` (gateway durability), docs/benchmarks.md.
 */
export const DURABILITIES = ['process', 'alarms', 'power'] as const;
export type Durability = (typeof DURABILITIES)[number];
export const DEFAULT_DURABILITY: Durability = 'alarms';

/**
 * One SQLite file holds the gateway's durable state: outbox, per-subject sequences, rule state.
 * Open it with the same durability the outbox is given.
 */
export function openGatewayDb(dataDir: string, durability: Durability = DEFAULT_DURABILITY): Database.Database {
  // Folder 0700, gateway.db* 0600 (issue 16): the outbox holds residents' events.
  const db = new Database(privateDbFile(dataDir, 'gateway.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'power' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  return db;
}
