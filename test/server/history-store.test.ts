import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('InfluxDB roll-ups as docs/history.md documents them', () => {
  it('writes `rollup`.`reading_1h` per series and hour (sum_F, count_F, min_F, max_F, last_F); the periodic flush only hours that have ended', async () => {
    const db = 'rollup_check';
    const HOUR = 3_600_000;
    const t = Date.UTC(2026, 0, 10);
    const store = await openInfluxHistory(`${influxd.url}/${db}`);
    await store.write({
      readings: [
        { siteId: 'demo', deviceId: 'w1', ts: t, fields: { heart_rate: 60, worn: true, fall_down_status: 'none' } },
        { siteId: 'demo', deviceId: 'w1', ts: t + 30 * 60_000, fields: { heart_rate: 80, worn: false, fall_down_status: 'fall' } },
        { siteId: 'demo', deviceId: 'w1', ts: t + HOUR + 1, fields: { heart_rate: 100 } },
      ],
      status: [],
    });
    const rows = async () => {
      const res = await fetch(`${influxd.url}/query?db=${db}&epoch=ms&q=${encodeURIComponent('SELECT * FROM "rollup"."reading_1h"')}`);
      const body = await res.json() as { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }> }> };
      const series = body.results[0]?.series?.[0];
      return (series?.values ?? []).map((v) => Object.fromEntries(series!.columns.map((c, i) => [c, v[i]]).filter(([, x]) => x !== null)));
    };
    // "Now" is inside the second hour: only the first has ended.
    await store.flush(t + HOUR + 10 * 60_000);
    expect(await rows()).toEqual([{
      time: t, site: 'demo', device: 'w1',
      sum_heart_rate: 140, count_heart_rate: 2, min_heart_rate: 60, max_heart_rate: 80, last_heart_rate: 80,
      count_worn: 2, last_worn: false, count_fall_down_status: 2, last_fall_down_status: 'fall',
    }]);
    await store.flush();
    expect((await rows()).map((r) => [r.time, r.sum_heart_rate, r.count_heart_rate])).toEqual([[t, 140, 2], [t + HOUR, 100, 1]]);
    await store.close();
  });
});

describe('docs/grafana-dashboard.json against a real influxd', () => {
  it('every query of the example dashboard runs on the documented measurements and finds the data written by the store', async () => {
    const db = 'grafana_check';
    const store = await openInfluxHistory(`${influxd.url}/${db}`);
    const t = Date.UTC(2026, 0, 10);
    await store.write({
      readings: [{ siteId: 'demo', deviceId: 'w1', ts: t, fields: { heart_rate: 70, spo2: 97 } }, { siteId: 'demo', deviceId: 'fs1', ts: t, fields: { pressure: 300 } }],
      status: [{ siteId: 'demo', deviceId: 'w1', ts: t, fields: { seen: true, online: true, battery: 80, self_test: true } }],
    });
    const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ query: string }> }>;
      templating: { list: Array<{ name: string; query: string }> };
    };
    const fill = (q: string) => q.replaceAll('$site', 'demo').replaceAll('$device', 'w1')
      .replaceAll('$timeFilter', `time >= ${t - 3_600_000}ms AND time <= ${t + 3_600_000}ms`).replaceAll('$__interval', '1m');
    const queries = [...dashboard.templating.list.map((v) => ({ what: `variable ${v.name}`, q: v.query })), ...dashboard.panels.flatMap((p) => p.targets.map((x) => ({ what: p.title, q: x.query })))];
    for (const { what, q } of queries) {
      const res = await fetch(`${influxd.url}/query?db=${db}&q=${encodeURIComponent(fill(q))}`);
      const body = await res.json() as { results: Array<{ error?: string; series?: unknown[] }> };
      expect(body.results[0]?.error, `${what}: ${q}`).toBeUndefined();
      expect(body.results[0]?.series?.length ?? 0, `${what} finds data: ${q}`).toBeGreaterThan(0);
    }
    await store.close();
  });
});
