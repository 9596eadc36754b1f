import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PREFIX, MAX_INGEST_BATCH } from '../../contract/index.ts';
import { bearer, event, ingest, listAlarms, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
beforeEach(async () => {
  server = await testServer();
});
afterEach(async () => {
  await server.close();
});

const send = (events: Parameters<typeof ingest>[3], gateway: 'gw-a' | 'gw-b' = 'gw-a') =>
  ingest(server.app, gateway, server.tokens[gateway], events);

describe('POST /api/v1/ingest: storing', () => {
  it('stores new events and answers every id as stored', async () => {
    const events = [event(), event({ kind: 'fire.test', action: 'record', subject: 'device:sd-1', deviceId: 'sd-1' })];
    const response = await send(events);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ stored: events.map((e) => e.id), duplicates: 0 });
    expect(events.every((e) => server.app.store.events.has(e.id))).toBe(true);
  });

  it('keeps each id once: a retried batch is all duplicates, still listed as stored, and changes no alarm', async () => {
    const events = [event(), event()];
    await send(events);
    const before = await listAlarms(server.app, server.tokens.admin);
    const retry = await send(events);
    expect(retry.json()).toEqual({ stored: events.map((e) => e.id), duplicates: 2 });
    expect(await listAlarms(server.app, server.tokens.admin)).toEqual(before);
    expect(before[0]?.count).toBe(2);
  });

  it('counts an id repeated inside one request as a duplicate, listed once', async () => {
    const one = event();
    const response = await send([one, one]);
    expect(response.json()).toEqual({ stored: [one.id], duplicates: 1 });
    expect((await listAlarms(server.app, server.tokens.admin))[0]?.count).toBe(1);
  });

  it('counts stored and duplicate events in /metrics', async () => {
    const events = [event(), event()];
    await send(events);
    await send(events);
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('carewatch_ingest_events_total{result="stored"} 2');
    expect(metrics).toContain('carewatch_ingest_events_total{result="duplicate"} 2');
  });

  it('refuses a whole batch with one event of a site outside the gateway, naming it, storing nothing', async () => {
    const ok = event();
    const foreign = event({ siteId: 'site-b' });
    const response = await send([ok, foreign]);
    expect(response.statusCode).toBe(403);
    expect(response.json().message).toContain('site-b');
    expect(server.app.store.events.has(ok.id)).toBe(false);
    expect(await listAlarms(server.app, server.tokens.admin)).toEqual([]);
  });

  it('refuses a gatewayId that is not the token\'s gateway', async () => {
    const response = await server.app.inject({
      method: 'POST', url: `${API_PREFIX}/ingest`, headers: bearer(server.tokens['gw-a']),
      payload: { gatewayId: 'gw-b', events: [event({ siteId: 'site-b' })] },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().message).toBe('this token belongs to gateway gw-a, not gw-b');
  });

  it.each(['admin', 'staffA', 'callcentre', 'firedept'] as const)('refuses a %s token: only gateways deliver', async (person) => {
    const response = await server.app.inject({
      method: 'POST', url: `${API_PREFIX}/ingest`, headers: bearer(server.tokens[person]),
      payload: { gatewayId: 'gw-a', events: [event()] },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().message).toMatch(/may not deliver events/);
  });

  it('rolls back every event of a request when one write fails (nothing half-written)', async () => {
    const first = event();
    const second = event();
    const original = server.app.store.alarms.appendChange.bind(server.app.store.alarms);
    let calls = 0;
    server.app.store.alarms.appendChange = (change, at) => {
      if (++calls === 2) throw new Error('disk full');
      return original(change, at);
    };
    const response = await send([first, event({ subject: 'device:btn-2', deviceId: 'btn-2' }), second]);
    server.app.store.alarms.appendChange = original;
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal server error; see the server log' });
    expect(server.app.store.events.has(first.id)).toBe(false);
    expect(await listAlarms(server.app, server.tokens.admin)).toEqual([]);
  });
});

describe('POST /api/v1/ingest: bad input gets 400 with a clear message', () => {
  const post = (payload: unknown, headers: Record<string, string> = {}) => server.app.inject({
    method: 'POST', url: `${API_PREFIX}/ingest`, headers: { ...bearer(server.tokens['gw-a']), ...headers },
    payload: payload as string,
  });

  it('malformed JSON', async () => {
    const response = await post('{"gatewayId": "gw-a", "events": [', { 'content-type': 'application/json' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.json().message).toMatch(/JSON/);
  });

  it('an empty batch', async () => {
    const response = await post({ gatewayId: 'gw-a', events: [] });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\.events: /);
  });

  it('a batch above the limit', async () => {
    const events = Array.from({ length: MAX_INGEST_BATCH + 1 }, () => event());
    const response = await post({ gatewayId: 'gw-a', events });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\.events: .*500/);
  });

  it('names every bad field by its path', async () => {
    const response = await post({ gatewayId: 'gw-a', events: [event(), { ...event(), siteId: 'a/b', seq: -1 }] });
    expect(response.statusCode).toBe(400);
    const message: string = response.json().message;
    expect(message).toContain('body.events.1.siteId: must be 1-64 letters');
    expect(message).toContain('body.events.1.seq: ');
  });

  it('an unknown event kind', async () => {
    const response = await post({ gatewayId: 'gw-a', events: [{ ...event(), kind: 'fire.imaginary' }] });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\.events\.0\.kind: /);
  });

  it('a body that is not a JSON object', async () => {
    const response = await post('hello', { 'content-type': 'text/plain' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body: Invalid input: expected object, received string' });
  });

  it('a content type the server does not read', async () => {
    const response = await post('<x/>', { 'content-type': 'application/xml' });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
  });
});

describe('alarm lifecycle through ingest', () => {
  const button = { subject: 'device:btn-7', deviceId: 'btn-7' };

  it('raise → repeat → clear → return to alarm, all on one alarm of the key', async () => {
    await send([event({ ...button, seq: 1, ts: 1_000 })]);
    await send([event({ ...button, seq: 2, ts: 2_000, count: 3 })]);
    let [alarm] = await listAlarms(server.app, server.tokens.admin);
    expect(alarm).toMatchObject({ status: 'active_unack', count: 4, kind: 'call.button', deviceId: 'btn-7', roomId: 'r101', residentId: 'res-1' });
    await send([event({ ...button, action: 'clear', seq: 3, ts: 3_000 })]);
    [alarm] = await listAlarms(server.app, server.tokens.admin);
    expect(alarm?.status).toBe('cleared_unack');
    await send([event({ ...button, seq: 4, ts: 4_000 })]);
    const all = await listAlarms(server.app, server.tokens.admin);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: alarm?.id, status: 'active_unack', count: 5, clearedAt: null });
  });

  it('a clear with no alarm is ignored; a record raises nothing', async () => {
    await send([event({ ...button, action: 'clear' }), event({ kind: 'fire.test', action: 'record', severity: 'info', lane: 'telemetry' })]);
    expect(await listAlarms(server.app, server.tokens.admin)).toEqual([]);
  });

  it('different kinds or subjects are different alarms', async () => {
    await send([
      event({ ...button }),
      event({ ...button, kind: 'device.battery_low', severity: 'warning', lane: 'alarm' }),
      event({ subject: 'device:btn-8', deviceId: 'btn-8' }),
    ]);
    expect(await listAlarms(server.app, server.tokens.admin)).toHaveLength(3);
  });

  it('a clear retried late does not clear the newer raise', async () => {
    await send([event({ ...button, seq: 5, ts: 5_000 })]);
    await send([event({ ...button, action: 'clear', seq: 4, ts: 4_000 })]);
    expect((await listAlarms(server.app, server.tokens.admin))[0]?.status).toBe('active_unack');
  });

  it('a raise overtaken by its clear still appears, cleared and unacknowledged', async () => {
    await send([event({ ...button, action: 'clear', seq: 9, ts: 9_000 })]);
    await send([event({ ...button, seq: 8, ts: 8_000 })]);
    const [alarm] = await listAlarms(server.app, server.tokens.admin);
    expect(alarm).toMatchObject({ status: 'cleared_unack', raisedAt: new Date(8_000).toISOString(), clearedAt: new Date(9_000).toISOString() });
  });

  it('after a resolve, the next raise opens a new alarm', async () => {
    await send([event({ ...button, seq: 1, ts: 1_000 })]);
    const [first] = await listAlarms(server.app, server.tokens.admin);
    await server.app.inject({ method: 'POST', url: `${API_PREFIX}/alarms/${first!.id}/resolve`, headers: bearer(server.tokens.staffA), payload: { note: 'done' } });
    await send([event({ ...button, seq: 2, ts: 2_000 })]);
    const all = await listAlarms(server.app, server.tokens.admin);
    expect(all.map((a) => a.status).sort()).toEqual(['active_unack', 'resolved']);
    expect(all.find((a) => a.status === 'active_unack')?.id).not.toBe(first!.id);
  });

  it('the device list shows devices from their events, with open device conditions', async () => {
    await send([
      event({ ...button, ts: 10_000 }),
      event({ ...button, kind: 'device.offline', severity: 'minor', lane: 'alarm', ts: 11_000 }),
      event({ subject: 'device:sd-1', deviceId: 'sd-1', kind: 'fire.test', action: 'record', ts: 12_000 }),
    ]);
    const response = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/sites/site-a/devices`, headers: bearer(server.tokens.staffA) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      siteId: 'site-a',
      devices: [
        { deviceId: 'btn-7', roomId: 'r101', residentId: 'res-1', online: false, lastSeen: new Date(11_000).toISOString(), lastKind: 'device.offline', faults: ['device.offline'] },
        { deviceId: 'sd-1', roomId: 'r101', residentId: 'res-1', online: true, lastSeen: new Date(12_000).toISOString(), lastKind: 'fire.test', faults: [] },
      ],
    });
  });
});
