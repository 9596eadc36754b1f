// A real gateway outbox in its own process, for test/gateway/outbox-durability.test.ts to watch
// under strace: `node --import ts-loader.mjs outbox-commits-proc.ts DATA_DIR DURABILITY`.
// Each phase is announced on stdout, so the syscalls between two announcements are that phase's.
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { type Durability, openGatewayDb } from '../../gateway/store/open-gateway-db.ts';

const [dataDir, durability] = process.argv.slice(2) as [string, Durability];
const db = openGatewayDb(dataDir, durability);
const outbox = new SqliteOutbox({ db, clock: () => Date.now(), durability });
const phase = (name: string) => process.stdout.write(`PHASE ${name}\n`);
let ts = 1;
const draft = (kind: 'fire.smoke' | 'fire.test', severity: 'critical' | 'info', action: 'raise' | 'record') =>
  ({ siteId: 'site-a', kind, action, severity, subject: 'device:smk-1', deviceId: 'smk-1', ts: ts++ });

phase('telemetry');
for (let i = 0; i < 20; i++) outbox.append(draft('fire.test', 'info', 'record'));
phase('alarm');
for (let i = 0; i < 5; i++) outbox.append(draft('fire.smoke', 'critical', 'raise'));
phase('reading');
// As a site runtime does: one transaction per reading (rule state and events), then afterCommit.
const reading = db.transaction(() => outbox.append(draft('fire.smoke', 'critical', 'raise')));
for (let i = 0; i < 5; i++) {
  reading();
  outbox.afterCommit();
}
phase('end');
db.close();
