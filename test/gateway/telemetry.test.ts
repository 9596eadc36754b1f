import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../contract/index.ts';
import { createLogger } from '../../gateway/log.ts';
import { Metrics } from '../../gateway/metrics.ts';
import { TelemetryLane } from '../../gateway/telemetry/telemetry-lane.ts';
import { TelemetrySampler } from '../../gateway/telemetry/telemetry-sampler.ts';
import { testServer } from '../server/helpers.ts';
import type { TestServer } from '../server/helpers.ts';
import { freePort } from '../helpers/mosquitto.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const T = Date.UTC(2025, 0, 15, 7, 0, 0);
const MIN = 60_000;
const source = { transport: 'mqtt' as const };
const state = (deviceId: string, ts: number, fields: Record<string, unknown>): Reading =>
  ({ type: 'state', siteId: 'site-a', deviceId, ts, receivedAt: ts, source, fields }) as Reading;

describe('telemetry sampler: changes plus a periodic sample per device', () => {
  it('keeps a device\'s first report, then changes beyond their deadband, then one sample per period', () => {
    const sampler = new TelemetrySampler({ sampleEveryMs: 5 * MIN });
    expect(sampler.keep(state('w1', T, { heart_rate: 70, worn: true }))).toBe(true);
    expect(sampler.keep(state('w1', T + 1000, { heart_rate: 72 }))).toBe(false); // within 5 bpm
    expect(sampler.keep(state('w1', T + 2000, { heart_rate: 76 }))).toBe(true); // 6 bpm from the last kept
    expect(sampler.keep(state('w1', T + 3000, { worn: true }))).toBe(false);
    expect(sampler.keep(state('w1', T + 4000, { worn: false }))).toBe(true);
    expect(sampler.keep(state('w1', T + 4 * MIN, { heart_rate: 76 }))).toBe(false);
    expect(sampler.keep(state('w1', T + 4000 + 5 * MIN, { heart_rate: 76 }))).toBe(true); // the periodic sample
    expect(sampler.keep(state('w2', T + 5000, { heart_rate: 76 }))).toBe(true); // another device: its own first report
  });

  it('always keeps self-tests and availability changes', () => {
    const sampler = new TelemetrySampler();
    expect(sampler.keep(state('sd1', T, { smoke: false }))).toBe(true);
    expect(sampler.keep(state('sd1', T + 1, { smoke: false, test: true }))).toBe(true);
    expect(sampler.keep(state('sd1', T + 2, { smoke: false, test: true }))).toBe(true);
    expect(sampler.keep({ type: 'availability', siteId: 'site-a', deviceId: 'sd1', ts: T + 3, receivedAt: T + 3, source, online: false })).toBe(true);
  });
});

describe('telemetry lane: gateway → server history over HTTP', () => {
  let server: TestServer | undefined;
  let lane: TelemetryLane | undefined;
  const dirs: Array<{ remove(): void }> = [];
  afterEach(async () => {
    await lane?.stop();
    await server?.close();
    for (const d of dirs.splice(0)) d.remove();
    lane = server = undefined;
  });

  const until = async (check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('keeps readings in telemetry.db while the server is down and delivers them, oldest first, once it is up', async () => {
    const port = await freePort();
    const dir = tempDir();
    dirs.push(dir);
    const metrics = new Metrics();
    // The server is not there yet: every send fails and the readings wait.
    server = await testServer();
    lane = new TelemetryLane({
      serverUrl: `http://127.0.0.1:${port}`, gatewayId: 'gw-a', token: server.tokens['gw-a'], dataDir: dir.path,
      metrics, log: createLogger('test', 'silent'), flushEveryMs: 20, retryMinMs: 20, retryMaxMs: 100,
    });
    lane.start();
    for (let i = 0; i < 30; i++) lane.offer(state('w1', T + i * 6 * MIN, { heart_rate: 60 + i }));
    await until(() => lane!.lastError !== null, 'a failed send');
    expect(lane.depth).toBe(30);

    await server.app.listen({ host: '127.0.0.1', port });
    await until(() => lane!.depth === 0, 'the queue to drain');
    const [hr] = await server.app.history.store.raw({ siteId: 'site-a', deviceId: 'w1', from: T, to: T + 1000 * MIN, fields: ['heart_rate'] }, 100);
    expect(hr!.points.map((p) => p.value)).toEqual(Array.from({ length: 30 }, (_, i) => 60 + i));
    expect(metrics.value('carewatch_telemetry_readings_total', { result: 'sent' })).toBe(30);
  });

  it('drops the oldest readings when the bound is reached, and says so', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const metrics = new Metrics();
    const port = await freePort(); // nothing listens: the queue only fills
    lane = new TelemetryLane({
      serverUrl: `http://127.0.0.1:${port}`, gatewayId: 'gw-a', token: 'none', dataDir: dir.path, maxReadings: 10,
      metrics, log: createLogger('test', 'silent'), flushEveryMs: 60_000, retryMinMs: 60_000, retryMaxMs: 60_000,
    });
    lane.start();
    for (let i = 0; i < 25; i++) lane.offer(state(`d${i}`, T, { smoke: false }));
    lane.flushNow();
    expect(lane.depth).toBe(10);
    expect(metrics.value('carewatch_telemetry_readings_total', { result: 'dropped' })).toBe(15);
  });
});
