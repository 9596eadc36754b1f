import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateDbFile } from '../../contract/private-files.ts';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';
import { DEMO_SITE } from '../helpers/stack.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

/**
 * Issue 16: `data/`, `server.db*` and `gateway.db*` were world-readable (0755/0644). The server
 * and the gateway run as real processes here, started as `npm start` starts them, with the
 * ordinary umask 022 of a shell.
 */
describe('the data folder a running server and gateway leave behind', () => {
  let stack: ProcessStack;
  beforeAll(async () => {
    stack = new ProcessStack({ siteFiles: [DEMO_SITE] });
    const old = process.umask(0o022);
    try {
      await stack.start();
    } finally {
      process.umask(old);
    }
  }, 90_000);
  afterAll(async () => { await stack?.stop(); });

  it('is 0700 folders and 0600 files, databases and their WAL included', () => {
    const checked: string[] = [];
    for (const part of ['server', 'gateway']) {
      const dir = join(stack.dataDir, part);
      expect([part, mode(dir)]).toEqual([part, 0o700]);
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) expect([f, mode(p)]).toEqual([f, 0o700]);
        else expect([f, mode(p)]).toEqual([f, 0o600]);
        checked.push(f);
      }
    }
    // The databases are among what was checked (a vacuous pass otherwise).
    expect(checked).toEqual(expect.arrayContaining(['server.db', 'server.db-wal', 'gateway.db', 'gateway.db-wal']));
  });
});

describe('privateDbFile', () => {
  it('tightens a database an older version left world-readable, and its folder', () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      mkdirSync(data, { mode: 0o755 });
      chmodSync(data, 0o755);
      for (const f of ['gateway.db', 'gateway.db-wal']) {
        closeSync(openSync(join(data, f), 'w', 0o644));
        chmodSync(join(data, f), 0o644);
      }
      privateDbFile(data, 'gateway.db');
      expect([mode(data), mode(join(data, 'gateway.db')), mode(join(data, 'gateway.db-wal'))]).toEqual([0o700, 0o600, 0o600]);
    } finally {
      dir.remove();
    }
  });
});
