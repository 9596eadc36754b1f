import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INFLUXD, startInfluxd } from '../stack/influxd.ts';
import type { BenchReport } from './benches.ts';
import { runJsonScript } from './run-json-script.ts';

interface WriteFigures { points: number; batch: number; pointsPerSec: number; barePointsPerSec: number; ratio: number; rollUpMs: number }
interface QueryFigures {
  devicesStored: number; pointsStored: number; queries: number; buckets: number; rollUpMs: number;
  p50Ms: number; p99Ms: number; bareRollupP50Ms: number; bareRollupP99Ms: number; fromPointsP50Ms: number; fromPointsP99Ms: number; bareP50Ms: number; bareP99Ms: number;
}
interface CoverageFigures { sites: number; devices: number; statusPoints: number; at: string; snapshotMs: number; ms: number; historyQueryMs: number; percent: number }
type Figures = Record<'embedded' | 'influx', { write: WriteFigures; query: QueryFigures; coverage: CoverageFigures } | undefined>;

/**
 * Issue 19's figures: readings written per second, a 30-day query of one device among 10,000,
 * and the coverage of 1,000 sites at a past moment; on the embedded store and on a real influxd
 * this starts (and stops by pid) when Debian's influxdb is installed. Baselines, same run: the bare
 * driver (better-sqlite3 / HTTP to influxd) doing the same writes and queries, and the history
 * query alone for coverage.
 */
export async function historyReport(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-bench-influx-'));
  const influxd = existsSync(INFLUXD) ? await startInfluxd(dir) : undefined;
  let f: Figures;
  try {
    f = await runJsonScript<Figures>('server/services/history/bench-history.ts', [], 900_000, influxd ? ['--influx', influxd.url] : []);
  } finally {
    await influxd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = (['embedded', 'influx'] as const).flatMap((name) => {
    const x = f[name];
    if (!x) return [`| ${name} | not measured (no influxd) | | | |`];
    const { write: w, query: q, coverage: c } = x;
    return [`| ${name === 'embedded' ? 'embedded SQLite' : 'InfluxDB 1.6'} | ${w.pointsPerSec} (bare ${w.barePointsPerSec}, ×${w.ratio}; roll-up after: ${w.rollUpMs} ms) `
      + `| ${q.p50Ms} / ${q.p99Ms} ms (bare on the roll-ups ${q.bareRollupP50Ms} / ${q.bareRollupP99Ms}) `
      + `| ${q.fromPointsP50Ms} / ${q.fromPointsP99Ms} ms (bare ${q.bareP50Ms} / ${q.bareP99Ms}) `
      + `| ${c.ms} ms (history query alone ${c.historyQueryMs} ms; snapshots made in ${c.snapshotMs} ms) |`];
  });
  const lines = (['embedded', 'influx'] as const).flatMap((name) => {
    const x = f[name];
    return x ? [`${name}: write ${x.write.pointsPerSec} points/s (bare ${x.write.barePointsPerSec}); 30-day query p50/p99 ${x.query.p50Ms}/${x.query.p99Ms} ms from roll-ups (bare ${x.query.bareRollupP50Ms}/${x.query.bareRollupP99Ms}; from points ${x.query.fromPointsP50Ms}/${x.query.fromPointsP99Ms}, bare ${x.query.bareP50Ms}/${x.query.bareP99Ms}; roll-up ${x.query.rollUpMs} ms); coverage of ${x.coverage.sites} sites ${x.coverage.ms} ms (history alone ${x.coverage.historyQueryMs}; snapshots ${x.coverage.snapshotMs} ms)`] : [`${name}: not measured`];
  });
  return {
    title: 'History store and coverage audit',
    method: 'One process (server/services/history/bench-history.ts). **Write**: one fresh store and one bare table or database, the 10,000 devices\' series made in both before the timing; 200,000 reading points (2 fields) in batches of 5,000, bare and product in turn batch by batch (each first half the time); median points/s of the batches; then the roll-up of what was written (InfluxDB; the embedded store rolls up inside the write). **Query**: 10,000 devices stored with a month each (daily points) plus 10 dense devices (every 5 min, 8,640 points), rolled up before the timing; 200 rounds of one dense device\'s 30 days in 720 hourly buckets, four ways in turn: the product from the roll-ups (what the readings API runs for a range over two days), bare on the roll-up rows, the product from the points and bare on the points (every fourth round: 50 queries); p50/p99 after 20 warm-up rounds. **Coverage**: 1,000 care homes (6 fire devices each, 4 rooms) registered on a real server, a month of daily status per device, snapshots made before the timing; `GET /api/v1/regions/{city}/coverage?at=` at noon of the last day through the app and the history query alone, in turn, median of 6 after one warm-up.',
    baseline: 'the bare driver in the same run: better-sqlite3 inserting the same rows into a table of the same shape / line protocol POSTed to influxd\'s /write; the same bucketing query as bare SQL / bare InfluxQL, on the roll-up rows and on the points; for coverage, the history query the audit needs, alone',
    figures: { ...f },
    table: ['| store | write points/s | 30-day query p50 / p99, roll-ups | same from the points | coverage of 1,000 sites |', '|---|---:|---:|---:|---:|', ...rows],
    goal: 'write ≥ 50,000 points/s into InfluxDB, ≥ 20,000 embedded; 30-day query p99 < 50 ms with 10,000 devices stored; coverage of 1,000 sites < 1 s',
    lines,
  };
}
