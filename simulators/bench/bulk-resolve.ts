// The alarm list bench's setup (issue 18): 99,000 alarms closed as staff close them, in units of
// work of CHUNK instead of 99,000 requests. Through the server's own store API and lifecycle —
// the same transition, change and audit record the resolve route writes — on the server's
// database file, beside the running server (the embedded store takes a second process: WAL,
// IMMEDIATE writes). Chunks, not one unit: one would hold the write lock longer than the server's
// busy timeout (5 s) on a loaded machine, and the server's own timer rounds would fail meanwhile.
import type { Alarm } from '../../contract/index.ts';
import { commitTransition } from '../../server/services/alarm-commit.ts';
import { resolve } from '../../server/services/alarm-lifecycle.ts';
import { openSqliteStore } from '../../server/services/store/sqlite-store.ts';

const CHUNK = 10_000;
const NOTE = 'closed by the bench setup';

/** Resolves every open alarm `close` picks, as `actor`, with outcome false_alarm; returns how many. */
export async function resolveInBulk(serverDataDir: string, close: (alarm: Alarm) => boolean, actor = 'bench'): Promise<number> {
  const store = openSqliteStore(serverDataDir);
  try {
    const ids = (await store.read((tx) => tx.alarms.list({ sites: 'all', openOnly: true, limit: Number.MAX_SAFE_INTEGER })))
      .filter(close).map((a) => a.id);
    for (let i = 0; i < ids.length; i += CHUNK) {
      await store.write(async (tx) => {
        const at = Date.now();
        const now = new Date(at).toISOString();
        for (const id of ids.slice(i, i + CHUNK)) {
          const alarm = await tx.alarms.get(id);
          const step = alarm && resolve(alarm, actor, 'false_alarm', NOTE, now);
          if (!step || !('alarm' in step)) throw new Error(`cannot resolve alarm ${id}: ${JSON.stringify(step)}`);
          await commitTransition(tx, step, at, { name: actor, from: null }, { outcome: 'false_alarm', note: NOTE });
        }
      });
    }
    return ids.length;
  } finally {
    await store.close();
  }
}

