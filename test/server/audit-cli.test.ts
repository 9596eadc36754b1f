import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_DB_FILE } from '../../server/services/store/sqlite-store.ts';
import { event, ingest, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let server: TestServer;
let dataDir = '';

const audit = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'carewatch.mjs'), 'audit', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

beforeAll(async () => {
  server = await testServer({ escalation: { manual: true } });
  dataDir = server.dataDir;
  await ingest(server.app, 'gw-a', server.tokens['gw-a'], [event({ ts: 1_000 }), event({ ts: 2_000, subject: 'device:b2', deviceId: 'b2' })]);
  await server.app.close();
});
afterAll(async () => {
  await server.close().catch(() => undefined);
});

describe('carewatch audit verify (offline, issue 18)', () => {
  it('says intact with the head, then names the record edited in the database file, exit 1', () => {
    const intact = audit('verify', '--data-dir', dataDir);
    expect(intact.status).toBe(0);
    expect(intact.stdout).toMatch(/^audit trail intact: (\d+) records, head \1 [0-9a-f]{64}\n$/);
    let edited = 0;
    const db = new Database(join(dataDir, SERVER_DB_FILE));
    try {
      const row = db.prepare(`SELECT seq, body FROM audit WHERE body LIKE '%"alarm.raised"%' ORDER BY seq LIMIT 1`).get() as { seq: number; body: string };
      edited = row.seq;
      db.prepare('UPDATE audit SET body = ? WHERE seq = ?').run(row.body.replace('"critical"', '"minor"'), row.seq);
    } finally {
      db.close();
    }
    const broken = audit('verify', '--data-dir', dataDir, '--json');
    expect(broken.status).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, firstBroken: { seq: edited, problem: 'edited' } });
  });

  it('a typo is one line and exit 2', () => {
    const typo = audit('verfy');
    expect(typo.status).toBe(2);
    expect(typo.stderr.trim().split('\n')).toHaveLength(1);
    expect(audit('--help').status).toBe(0);
  });
});
