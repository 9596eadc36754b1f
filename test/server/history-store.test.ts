import { afterAll, beforeAll } from 'vitest';
import { openInfluxHistory } from '../../server/services/history/influx-history.ts';
import { openSqliteHistory } from '../../server/services/history/sqlite-history.ts';
import { startInfluxd } from '../helpers/influxd.ts';
import type { Influxd } from '../helpers/influxd.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { describeHistoryStoreContract } from './history-store-contract.ts';

describeHistoryStoreContract('embedded SQLite', async () => {
  const dir = tempDir();
  let store = openSqliteHistory(dir.path);
  return {
    get store() { return store; },
    reopen: async () => {
      await store.close();
      store = openSqliteHistory(dir.path);
      return store;
    },
    dispose: async () => {
      await store.close();
      dir.remove();
    },
  };
});

// One real influxd for the file; each case gets a database of its own.
let influxd: Influxd;
let influxDir: ReturnType<typeof tempDir>;
let databases = 0;
beforeAll(async () => {
  influxDir = tempDir('carewatch-influx-');
  influxd = await startInfluxd(influxDir.path);
}, 30_000);
afterAll(async () => {
  await influxd?.stop();
  influxDir?.remove();
});

describeHistoryStoreContract('InfluxDB 1.x (real influxd)', async () => {
  const url = `${influxd.url}/case_${++databases}`;
  let store = await openInfluxHistory(url);
  return {
    get store() { return store; },
    reopen: async () => {
      await store.close();
      store = await openInfluxHistory(url);
      return store;
    },
    dispose: async () => {
      await store.close();
      await fetch(`${influxd.url}/query?q=${encodeURIComponent(`DROP DATABASE case_${databases}`)}`, { method: 'POST' });
    },
  };
});
