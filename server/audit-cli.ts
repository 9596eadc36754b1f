import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCommandLine, UsageError } from '../contract/index.ts';
import { openServerStore } from './services/store/open-store.ts';
import { SERVER_DB_FILE } from './services/store/sqlite-store.ts';

const HELP = `carewatch audit verify [options]

Checks the hash-chained audit trail of a server's store (embedded, or PostgreSQL), offline, end to end, and names
the first edited or deleted record (the same check as GET /api/v1/audit/verify).

  --data-dir DIR       the server's data folder (CAREWATCH_DATA_DIR, default ./data)
  --store URL          the servers' PostgreSQL store instead, postgres://… (CAREWATCH_STORE)
  --json               print the result as contract AuditVerification JSON

Exit status: 0 intact, 1 broken, 2 usage mistake.
`;

/** `carewatch audit verify`: for an inquiry, without a running server or a token (issue 18). */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, {
    'data-dir': { type: 'string', default: process.env.CAREWATCH_DATA_DIR ?? 'data' },
    store: { type: 'string', default: process.env.CAREWATCH_STORE ?? '' },
    json: { type: 'boolean' },
  }, true);
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const [sub, ...rest] = parsed.positionals;
  if (sub !== 'verify' || rest.length > 0) throw new UsageError(`unknown command "${parsed.positionals.join(' ')}" (the command is audit verify)`);
  const dataDir = resolve(parsed.values['data-dir']!);
  const embedded = ['', 'embedded'].includes(parsed.values.store!.trim());
  if (embedded && !existsSync(join(dataDir, SERVER_DB_FILE))) throw new UsageError(`no ${SERVER_DB_FILE} in ${dataDir}`);
  const store = await openServerStore(parsed.values.store, dataDir);
  try {
    const result = await store.read((tx) => tx.audit.verify());
    if (parsed.values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok) process.stdout.write(`audit trail intact: ${result.checked} records, head ${result.head ? `${result.head.seq} ${result.head.hash}` : '(empty)'}\n`);
    else process.stdout.write(`audit trail BROKEN at record ${result.firstBroken!.seq} (${result.firstBroken!.problem}): ${result.firstBroken!.message}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}
