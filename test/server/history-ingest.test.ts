import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import type { Reading } from '../../contract/index.ts';
import { bearer, event, ingest, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
beforeEach(async () => {
  server = await testServer();
});
afterEach(async () => {
  await server.close();
});

const T = Date.UTC(2025, 0, 15, 7, 0, 0);
const source = { transport: 'mqtt' as const };
const state = (deviceId: string, ts: number, fields: Record<string, unknown>, siteId = 'site-a') =>
  ({ type: 'state', siteId, deviceId, ts, receivedAt: ts, source, fields }) as unknown as Reading;

const sendReadings = (readings: unknown[], gateway: 'gw-a' | 'gw-b' = 'gw-a') =>
  server.app.inject({ method: 'POST', url: `${API_PREFIX}/ingest/readings`, headers: bearer(server.tokens[gateway]), payload: { gatewayId: gateway, readings } });

describe('POST /api/v1/ingest/readings', () => {
  it('writes what a device sensed to `reading` and what it says of itself to `device_status`', async () => {
    const response = await sendReadings([
      state('w1', T, { heart_rate: 72, worn: true, battery: 80 }),
      state('sd1', T + 1000, { smoke: false, test: true, battery_low: false }),
      { type: 'availability', siteId: 'site-a', deviceId: 'sd2', ts: T + 2000, receivedAt: T + 2000, source, online: false },
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ accepted: 3, refused: [] });
    const store = server.app.history.store;
    expect(await store.raw({ siteId: 'site-a', deviceId: 'w1', from: T, to: T + 1 }, 10)).toEqual([
      { field: 'heart_rate', truncated: false, points: [{ t: T, value: 72 }] },
      { field: 'worn', truncated: false, points: [{ t: T, value: true }] },
    ]);
    const status = await store.statusAt(['site-a'], T + 5000);
    expect(status.find((s) => s.deviceId === 'w1')).toMatchObject({ lastSeen: T, online: { value: true }, battery: { value: 80 } });
    expect(status.find((s) => s.deviceId === 'sd1')).toMatchObject({ lastSeen: T + 1000, lastSelfTest: T + 1000, battery_low: { value: false } });
    expect(status.find((s) => s.deviceId === 'sd2')).toEqual({ siteId: 'site-a', deviceId: 'sd2', online: { value: false, ts: T + 2000 } });
  });

  it('refuses each bad reading by itself, with its position and reason, and keeps the others', async () => {
    const response = await sendReadings([
      state('w1', T, { heart_rate: 999 }),
      state('w1', T, { heart_rate: 70 }, 'site-b'),
      state('w1', T + 1, { heart_rate: 71 }),
    ]);
    expect(response.statusCode).toBe(200);
    const body = response.json() as { accepted: number; refused: Array<{ index: number; code: string; reason: string }> };
    expect(body.accepted).toBe(1);
    expect(body.refused.map((r) => [r.index, r.code])).toEqual([[0, 'invalid'], [1, 'site_not_served']]);
    expect(body.refused[0]!.reason).toContain('heart_rate');
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('carewatch_ingest_readings_refused_total{code="invalid"} 1');
    expect(metrics).toContain('carewatch_ingest_readings_refused_total{code="site_not_served"} 1');
    expect(metrics).toContain('carewatch_history_points_total{measurement="reading"} 1');
  });

  it('takes readings from gateways only, each under its own id', async () => {
    const asStaff = await server.app.inject({ method: 'POST', url: `${API_PREFIX}/ingest/readings`, headers: bearer(server.tokens.staffA), payload: { gatewayId: 'gw-a', readings: [state('w1', T, {})] } });
    expect(asStaff.statusCode).toBe(403);
    const wrongId = await server.app.inject({ method: 'POST', url: `${API_PREFIX}/ingest/readings`, headers: bearer(server.tokens['gw-a']), payload: { gatewayId: 'gw-b', readings: [state('w1', T, {})] } });
    expect(wrongId.statusCode).toBe(403);
  });

  it('answers 503 when the history store fails, so the gateway keeps the batch and sends it again', async () => {
    await server.app.history.store.close();
    const response = await sendReadings([state('w1', T, { heart_rate: 70 })]);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('carewatch_history_write_failures_total{source="readings"} 1');
  });
});

describe('POST /api/v1/ingest: status facts of events reach the history too', () => {
  it('records offline, battery low and self-tests from device events, after the events are stored', async () => {
    const device = { deviceId: 'sd1', subject: 'device:sd1', roomId: 'r101', residentId: undefined, lane: 'alarm' as const, severity: 'minor' as const };
    const response = await ingest(server.app, 'gw-a', server.tokens['gw-a'], [
      event({ ...device, kind: 'fire.test', action: 'record', severity: 'info', lane: 'telemetry', ts: T }),
      event({ ...device, kind: 'device.offline', action: 'raise', ts: T + 1000 }),
      event({ ...device, kind: 'device.battery_low', action: 'raise', severity: 'warning', ts: T + 2000 }),
      event({ ...device, kind: 'device.offline', action: 'clear', ts: T + 3000 }),
    ]);
    expect(response.statusCode).toBe(200);
    await server.app.history.settled();
    const at = async (ts: number) => (await server.app.history.store.statusAt(['site-a'], ts))[0];
    expect(await at(T + 1500)).toMatchObject({ lastSelfTest: T, online: { value: false, ts: T + 1000 } });
    expect(await at(T + 3000)).toMatchObject({ online: { value: true, ts: T + 3000 }, battery_low: { value: true, ts: T + 2000 } });
  });
});
