import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import type { DeviceStatusAt, ReadingsResponse, TimelineResponse } from '../../contract/index.ts';
import { ALL_GRANT } from '../../server/services/scope.ts';
import { careHomeDocument } from './coverage-fixture.ts';
import { actor, authorityOf, principalWith, putRegions } from './registry-fixture.ts';
import { bearer, event, ingest, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 1);
let server: TestServer;

const state = (deviceId: string, ts: number, fields: Record<string, unknown>, siteId = 'site-a') =>
  ({ type: 'state', siteId, deviceId, ts, receivedAt: ts, source: { transport: 'mqtt' }, fields });

beforeAll(async () => {
  server = await testServer();
  const { app } = server;
  await putRegions(app);
  await app.sites.putSite(actor, { siteId: 'site-a', gatewayId: 'gw-a', document: careHomeDocument('site-a', 'east') }, authorityOf(app, principalWith(app, 'admin', ALL_GRANT)));
  // A night in bed 201: in bed at 22:00 local (14:00 UTC), up at 02:00, back at 02:20; a sprinkler's pressure every 10 min.
  const readings = [
    state('bed-201', T0 + 14 * HOUR, { in_bed: true }),
    state('bed-201', T0 + 18 * HOUR, { in_bed: false }),
    state('bed-201', T0 + 18 * HOUR + 20 * MIN, { in_bed: true }),
    ...Array.from({ length: 12 }, (_, i) => state('fs-201', T0 + i * 10 * MIN, { pressure: 300 + i, water_flow: false })),
  ];
  const response = await app.inject({ method: 'POST', url: `${API_PREFIX}/ingest/readings`, headers: bearer(server.tokens['gw-a']), payload: { gatewayId: 'gw-a', readings } });
  expect(response.json()).toMatchObject({ refused: [] });
  await ingest(app, 'gw-a', server.tokens['gw-a'], [
    event({ siteId: 'site-a', deviceId: 'bed-201', subject: 'resident:res-201', residentId: 'res-201', roomId: 'r201', kind: 'inactivity.bed_exit', severity: 'major', lane: 'alarm', ts: T0 + 18 * HOUR + 15 * MIN }),
  ]);
});
afterAll(async () => {
  await server?.close();
});

const get = (url: string, token = server.tokens.staffA) => server.app.inject({ method: 'GET', url: `${API_PREFIX}${url}`, headers: bearer(token) });
const iso = (ts: number) => new Date(ts).toISOString();

describe('GET /devices/{id}/readings', () => {
  it('answers the points as stored, or downsampled to buckets of `every`', async () => {
    const raw = await get(`/devices/fs-201/readings?from=${iso(T0)}&to=${iso(T0 + 2 * HOUR)}&fields=pressure`);
    expect(raw.statusCode, raw.body).toBe(200);
    const body = raw.json() as ReadingsResponse;
    expect(body.series).toHaveLength(1);
    expect(body.series[0]!.points).toHaveLength(12);
    const hourly = (await get(`/devices/fs-201/readings?from=${iso(T0)}&to=${iso(T0 + 2 * HOUR)}&every=1h`)).json() as ReadingsResponse;
    expect(hourly.every).toBe('1h');
    expect(hourly.series.find((s) => s.field === 'pressure')!.points).toEqual([
      { t: iso(T0), value: 302.5, min: 300, max: 305, count: 6 },
      { t: iso(T0 + HOUR), value: 308.5, min: 306, max: 311, count: 6 },
    ]);
    expect(hourly.series.find((s) => s.field === 'water_flow')!.points[0]).toEqual({ t: iso(T0), value: false, count: 6 });
  });

  it('says its resolution: points as stored for short ranges, hourly roll-ups (on whole hours) for long ones', async () => {
    const short = (await get(`/devices/fs-201/readings?from=${iso(T0)}&to=${iso(T0 + 2 * HOUR)}&every=1h`)).json() as ReadingsResponse;
    expect(short.resolution).toBe('raw');
    expect(((await get(`/devices/fs-201/readings?from=${iso(T0)}&to=${iso(T0 + 30 * 24 * HOUR)}`)).json() as ReadingsResponse).resolution).toBe('raw');
    const long = (await get(`/devices/fs-201/readings?from=${iso(T0 - 10 * 24 * HOUR + 30 * MIN)}&to=${iso(T0 + 24 * HOUR)}&every=1d&fields=pressure`)).json() as ReadingsResponse;
    expect([long.resolution, long.every, long.from, long.to]).toEqual(['1h', '1d', iso(T0 - 10 * 24 * HOUR), iso(T0 + 24 * HOUR)]);
    // The twelve readings of 300..311 in the day's bucket, as if bucketed from the points.
    expect(long.series[0]!.points).toEqual([{ t: iso(T0), value: 305.5, min: 300, max: 311, count: 12 }]);
    // Every 90 minutes is not whole hours: from the points, however long the range.
    expect(((await get(`/devices/fs-201/readings?from=${iso(T0 - 10 * 24 * HOUR)}&to=${iso(T0 + 24 * HOUR)}&every=90m`)).json() as ReadingsResponse).resolution).toBe('raw');
  });

  it('says what is wrong with a bad query', async () => {
    expect((await get(`/devices/fs-201/readings?from=${iso(T0 + HOUR)}&to=${iso(T0)}`)).json().message).toContain('from must be before to');
    expect((await get(`/devices/fs-201/readings?from=${iso(T0)}&to=${iso(T0 + HOUR)}&fields=colour`)).json().message).toContain('no field colour');
    expect((await get(`/devices/fs-201/readings?from=${iso(T0)}&to=${iso(T0 + 365 * 24 * HOUR)}&every=1s`)).statusCode).toBe(400);
    expect((await get(`/devices/fs-201/readings?from=${iso(T0)}&to=${iso(T0 + HOUR)}&every=5x`)).statusCode).toBe(400);
  });

  it('shows nothing outside the caller\'s scope', async () => {
    const response = await get(`/devices/fs-201/readings?from=${iso(T0)}&to=${iso(T0 + HOUR)}`, server.tokens.staffB);
    expect(response.statusCode).toBe(404);
    expect((await get(`/devices/fs-201/readings?site=site-a&from=${iso(T0)}&to=${iso(T0 + HOUR)}`, server.tokens.staffB)).statusCode).toBe(403);
  });
});

describe('GET /devices/{id}/status?at=', () => {
  it('answers the device\'s status at a past moment', async () => {
    const at = (await get(`/devices/bed-201/status?at=${iso(T0 + 15 * HOUR)}`)).json() as DeviceStatusAt;
    expect(at).toEqual({
      siteId: 'site-a', deviceId: 'bed-201', at: iso(T0 + 15 * HOUR), online: true, battery: null, batteryLow: null, tamper: null, fault: null,
      lastSeen: iso(T0 + 14 * HOUR), lastSelfTest: null,
    });
    expect(((await get(`/devices/bed-201/status?at=${iso(T0)}`)).json() as DeviceStatusAt).lastSeen).toBeNull();
  });
});

describe('GET /sites/{site}/residents/{id}/timeline', () => {
  it('lists the resident\'s activity and alarms in time order, and the view is audited', async () => {
    const response = await get(`/sites/site-a/residents/res-201/timeline?from=${iso(T0 + 12 * HOUR)}&to=${iso(T0 + 24 * HOUR)}`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as TimelineResponse;
    expect(body.entries.map((e) => [e.t, e.type, e.what, e.value])).toEqual([
      [iso(T0 + 14 * HOUR), 'activity', 'in_bed', true],
      [iso(T0 + 18 * HOUR), 'activity', 'in_bed', false],
      [iso(T0 + 18 * HOUR + 15 * MIN), 'alarm', 'inactivity.bed_exit', null],
      [iso(T0 + 18 * HOUR + 20 * MIN), 'activity', 'in_bed', true],
    ]);
    const audit = await server.app.store.read((tx) => tx.audit.list({ sites: 'all', residentId: 'res-201', limit: 10 }));
    expect(audit.map((a) => [a.action, a.actor, a.details])).toContainEqual(['resident.viewed', 'staffA', { purpose: 'timeline' }]);
  });

  it('refuses a resident of a site outside the caller\'s scope', async () => {
    const response = await get(`/sites/site-a/residents/res-201/timeline?from=${iso(T0)}&to=${iso(T0 + HOUR)}`, server.tokens.staffB);
    expect(response.statusCode).toBe(403);
  });
});
