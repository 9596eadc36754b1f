import { parseArgs } from 'node:util';
import type { EventDraft } from '../core/kit/event-draft.ts';
import { SqliteOutbox } from './sqlite-outbox.ts';
import { openGatewayDb } from '../store/open-gateway-db.ts';

/**
 * `npm run bench` (delivery): leaves in a gateway's outbox the backlog an outage would have left —
 * what `--sensors` water-leak sensors raising and clearing `--per-second` alarm events in all for
 * `--seconds` make the rules append, appended through the gateway's own outbox module (ids,
 * per-device sequence, lane, the row format) into its database beside the running gateway (WAL
 * lets a second writer in). Device times are spread over the outage, ending now. Making the
 * same backlog over MQTT costs one power-safe commit per alarm (`--durability alarms`): 60,000 of
 * them are minutes of fsync before the measurement can begin. Prints JSON.
 */
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' }, site: { type: 'string' }, sensors: { type: 'string' },
    'per-second': { type: 'string' }, seconds: { type: 'string' }, 'device-prefix': { type: 'string', default: 'leak-' },
  },
});
const dataDir = values['data-dir'];
const siteId = values.site;
if (!dataDir || !siteId) throw new Error('--data-dir and --site are required');
const sensors = Number(values.sensors ?? 500);
const perSecond = Number(values['per-second'] ?? 100);
const seconds = Number(values.seconds ?? 600);
const total = perSecond * seconds;

const db = openGatewayDb(dataDir);
const outbox = new SqliteOutbox({ db, clock: () => Date.now() });
const pad = (i: number) => String(i).padStart(4, '0');
const started = performance.now();
const end = Date.now();
const CHUNK = 5000; // a commit at a time: the gateway's own writes wait at most one chunk
for (let from = 0; from < total; from += CHUNK) {
  db.transaction(() => {
    for (let i = from; i < Math.min(total, from + CHUNK); i++) {
      const sensor = i % sensors;
      const deviceId = `${values['device-prefix']}${pad(sensor + 1)}`;
      const draft: EventDraft = {
        siteId, kind: 'water.leak', action: Math.floor(i / sensors) % 2 === 0 ? 'raise' : 'clear', severity: 'major',
        subject: `device:${deviceId}`, deviceId, roomId: 'wash', ts: end - Math.round(((total - i) / perSecond) * 1000),
        source: { transport: 'mqtt' },
      };
      outbox.append(draft);
    }
  })();
}
outbox.close();
db.close();
process.stdout.write(`${JSON.stringify({ appended: total, ms: Math.round(performance.now() - started) })}\n`);
