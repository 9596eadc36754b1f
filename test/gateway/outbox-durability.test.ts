import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TS_LOADER } from '../../simulators/stack/node-command.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 15, defect 4: an alarm the gateway acknowledged must survive a power cut. A power cut
// cannot be made in a test; what makes a commit survive one can be seen: the fsync (fdatasync)
// of SQLite's write-ahead log before the commit returns (sqlite.org/wal.html, "synchronous").
// A real outbox process runs under strace and every sync of the WAL file is counted per phase.
const dir = tempDir('carewatch-durability-');
afterAll(() => dir.remove());

function walSyncsByPhase(durability: string): Record<string, number> {
  const data = join(dir.path, durability);
  const trace = join(dir.path, `${durability}.strace`);
  const run = spawnSync('strace', ['-f', '-y', '-qq', '-o', trace, '-e', 'trace=fsync,fdatasync,write',
    process.execPath, '--import', TS_LOADER, join(import.meta.dirname, '../helpers/outbox-commits-proc.ts'), data, durability], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  const counts: Record<string, number> = {};
  let phase = 'open';
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const marker = /write\(1<[^>]*>, "PHASE (\w+)\\n"/.exec(line);
    if (marker) phase = marker[1]!;
    else if (/f(data)?sync\(\d+<[^>]*gateway\.db-wal>\) = 0/.test(line)) counts[phase] = (counts[phase] ?? 0) + 1;
  }
  return counts;
}

describe('gateway outbox durability', () => {
  it('by default (alarms), each commit carrying an alarm syncs the WAL before it returns; telemetry does not', () => {
    const syncs = walSyncsByPhase('alarms');
    expect(syncs.telemetry ?? 0).toBe(0);
    expect(syncs.alarm ?? 0).toBeGreaterThanOrEqual(5);
    expect(syncs.reading ?? 0).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('`process` (the old default) never syncs: a power cut may take back an acknowledged alarm', () => {
    const syncs = walSyncsByPhase('process');
    expect((syncs.alarm ?? 0) + (syncs.reading ?? 0) + (syncs.telemetry ?? 0)).toBe(0);
  }, 60_000);
});
