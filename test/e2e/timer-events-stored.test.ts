import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { brokerOptions } from '../../simulators/devices/mqtt-device.ts';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/e2e-devices.ts';
import { homeCopy, writeHome } from '../helpers/e2e-homes.ts';
import { storedEvents } from '../helpers/e2e-server.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 15 defect 3: an event a TIMER raises (here the water-flow retard, NFPA 72 17.13.2) has no
// device waiting to retry it. When the outbox cannot store it — the gateway's database locked by
// another connection past its busy timeout, a real SQLITE_BUSY — it must be held and retried until
// stored, logged, counted, and raise the gateway's own `gateway.trouble`. Before the fix it was
// kept in `appendError` and cleared by the next reading: the sprinkler's flow alarm never existed.
describe('an event raised by a timer while the store fails', () => {
  const dir = tempDir('carewatch-timer-store-');
  const home = homeCopy(join(dir.path, 'homes'), 31);
  const logLines: Array<{ msg?: string; siteId?: string; held?: number }> = [];
  let stack: Stack;

  beforeAll(async () => {
    mkdirSync(join(dir.path, 'homes'));
    writeHome(home, (f) => {
      f.devices!.push({ id: 'flow', profile: 'sprinkler-flow-switch', roomId: 'kitchen', transport: 'mqtt' });
      f.rules = { fire: { waterFlowRetardSec: 1 } };
    });
    const log = pino({ level: 'info' }, { write: (line: string) => { logLines.push(JSON.parse(line) as (typeof logLines)[number]); } });
    stack = await startStack({ sites: [home.file], gatewayOptions: { log } });
  });

  afterAll(async () => {
    await stack?.stop();
    dir.remove();
  });

  it('is retried until stored (rules restart from stored state), logged, counted, and raises gateway.trouble', async () => {
    const login = stack.mqttLogin('flow', home.siteId);
    const client = await mqtt.connectAsync(stack.mqttBroker.url, brokerOptions(stack.mqttBroker, { ...login, clientId: 'flow-test', reconnectPeriod: 0 }));
    const locker = new Database(join(stack.dataDir, 'gateway', 'gateway.db'));
    locker.pragma('busy_timeout = 100');
    try {
      // The reading itself is stored (PUBACK); its alarm waits out the 1 s retard.
      await client.publishAsync(`carewatch/${home.siteId}/devices/flow/state`, JSON.stringify({ water_flow: true }), { qos: 1 });
      // Another writer holds the database: the retard timer's append fails with SQLITE_BUSY.
      locker.exec('BEGIN EXCLUSIVE');
      const failures = () => stack.gateway.metrics.value('carewatch_event_store_failures_total', { site: home.siteId });
      await waitFor('the timer event to fail to store', () => failures() > 0, 20_000);
      expect(logLines.some((l) => l.siteId === home.siteId && (l.msg ?? '').includes('could not be stored'))).toBe(true);
      // The store works again: the held alarm must be stored and reach the server.
      locker.exec('COMMIT');
      const flow = await waitFor('the water-flow alarm on the server', () => {
        const rows = storedEvents(join(stack.dataDir, 'server'), { siteId: home.siteId, kind: 'fire.water_flow' });
        return rows.length > 0 && rows;
      }, 20_000);
      expect(flow).toEqual([expect.objectContaining({ action: 'raise', deviceId: 'flow' })]);
      const trouble = await waitFor('the gateway trouble on the server', () => {
        const rows = storedEvents(join(stack.dataDir, 'server'), { siteId: home.siteId, kind: 'gateway.trouble' });
        return rows.length > 0 && rows;
      }, 20_000);
      expect(trouble[0]!.subject).toBe('gateway:gw-test/event_store_failed');
      expect(failures()).toBe(1);
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
      await client.endAsync();
    }
  }, 60_000);
});
