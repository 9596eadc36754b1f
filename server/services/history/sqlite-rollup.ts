import type Database from 'better-sqlite3';

export const HOUR_MS = 3_600_000;

/**
 * Hourly roll-ups of the embedded store's readings (issue 19: a 30-day query of one device
 * p99 < 50 ms). One row per reading series and hour: sum, count, min, max and the hour's last
 * value, kept by triggers in the transaction that writes the points, so a roll-up is never behind
 * its points and a crash cannot part them. A point written again with another value (a retried
 * batch that differs) has its hour recomputed from the points.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS rollup_1h (
    series INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    sum NOT NULL,
    count INTEGER NOT NULL,
    lo,
    hi,
    last,
    last_ts INTEGER NOT NULL,
    PRIMARY KEY (series, hour)
  ) WITHOUT ROWID;
  CREATE TRIGGER IF NOT EXISTS rollup_1h_insert AFTER INSERT ON points
  WHEN (SELECT measurement FROM series WHERE id = NEW.series) = 'reading'
  BEGIN
    INSERT INTO rollup_1h (series, hour, sum, count, lo, hi, last, last_ts)
    VALUES (NEW.series, NEW.ts - NEW.ts % ${HOUR_MS}, NEW.value, 1, NEW.value, NEW.value, NEW.value, NEW.ts)
    ON CONFLICT (series, hour) DO UPDATE SET
      sum = sum + excluded.sum, count = count + 1, lo = min(lo, excluded.lo), hi = max(hi, excluded.hi),
      last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END, last_ts = max(last_ts, excluded.last_ts);
  END;
  CREATE TRIGGER IF NOT EXISTS rollup_1h_update AFTER UPDATE OF value ON points
  WHEN OLD.value IS NOT NEW.value AND (SELECT measurement FROM series WHERE id = NEW.series) = 'reading'
  BEGIN
    ${recompute('NEW.series', `NEW.ts - NEW.ts % ${HOUR_MS}`)};
  END;
`;

/**
 * Recomputes one series' hour from its points. An upsert, not INSERT OR REPLACE: inside a trigger the
 * outer statement's conflict policy (abort) would override REPLACE.
 */
function recompute(series: string, hour: string): string {
  return `INSERT INTO rollup_1h (series, hour, sum, count, lo, hi, last, last_ts)
    SELECT series, ${hour}, total(value), count(*), min(value), max(value),
      (SELECT value FROM points WHERE series = ${series} AND ts >= ${hour} AND ts < ${hour} + ${HOUR_MS} ORDER BY ts DESC LIMIT 1), max(ts)
    FROM points WHERE series = ${series} AND ts >= ${hour} AND ts < ${hour} + ${HOUR_MS} GROUP BY series
    ON CONFLICT (series, hour) DO UPDATE SET sum = excluded.sum, count = excluded.count, lo = excluded.lo, hi = excluded.hi, last = excluded.last, last_ts = excluded.last_ts`;
}

/** Version 1 of history.db added the roll-ups: a store made before them has its readings rolled up once. */
export function migrateRollup(db: Database.Database): void {
  db.exec(SCHEMA);
  if ((db.pragma('user_version', { simple: true }) as number) >= 1) return;
  db.transaction(() => {
    db.exec(`INSERT OR REPLACE INTO rollup_1h (series, hour, sum, count, lo, hi, last, last_ts)
      SELECT p.series, p.ts - p.ts % ${HOUR_MS} AS h, total(p.value), count(*), min(p.value), max(p.value), NULL, max(p.ts)
      FROM points AS p JOIN series AS s ON s.id = p.series WHERE s.measurement = 'reading' GROUP BY p.series, h`);
    db.exec('UPDATE rollup_1h SET last = (SELECT value FROM points WHERE points.series = rollup_1h.series AND points.ts = rollup_1h.last_ts)');
    db.pragma('user_version = 1');
  })();
}

/** The statements reading the roll-ups, bucketed by `@every` (a multiple of an hour). */
export function rollupStatements(db: Database.Database) {
  return {
    numbers: db.prepare(`
      SELECT hour - hour % @every AS t, total(sum) / sum(count) AS value, min(lo) AS min, max(hi) AS max, sum(count) AS count
      FROM rollup_1h WHERE series = @series AND hour >= @from AND hour < @to GROUP BY t ORDER BY t`),
    // SQLite's bare column beside max(): the value of the hour holding the bucket's newest point.
    last: db.prepare(`
      SELECT hour - hour % @every AS t, max(last_ts) AS newest, last AS value, sum(count) AS count
      FROM rollup_1h WHERE series = @series AND hour >= @from AND hour < @to GROUP BY t ORDER BY t`),
  };
}
