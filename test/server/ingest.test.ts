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
const stored = (id: string) => server.app.store.read((tx) => tx.events.has(id));

describe('POST /api/v1/ingest: storing', () => {
  it('stores new events and answers every id as stored', async () => {
    const events = [event(), event({ kind: 'fire.test', action: 'record', subject: 'device:sd-1', deviceId: 'sd-1' })];
    const response = await send(events);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ stored: events.map((e) => e.id), duplicates: 0, refused: [] });
    expect(await Promise.all(events.map((e) => stored(e.id)))).toEqual([true, true]);
  });

  it('keeps each id once: a retried batch is all duplicates, still listed as stored, and changes no alarm', async () => {
    const events = [event(), event()];
    await send(events);
    const before = await listAlarms(server.app, server.tokens.admin);
    const retry = await send(events);
    expect(retry.json()).toEqual({ stored: events.map((e) => e.id), duplicates: 2, refused: [] });
    expect(await listAlarms(server.app, server.tokens.admin)).toEqual(before);
    expect(before[0]?.count).toBe(2);
  });

  it('counts an id repeated inside one request as a duplicate, listed once', async () => {
    const one = event();
    const response = await send([one, one]);
    expect(response.json()).toEqual({ stored: [one.id], duplicates: 1, refused: [] });
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

  it('refuses only the event of a site outside the gateway, naming it, and stores the others (issue 15.1)', async () => {
    const before = event();
    const foreign = event({ siteId: 'site-b' });
    const after = event({ subject: 'device:btn-2', deviceId: 'btn-2' });
    const response = await send([before, foreign, after]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      stored: [before.id, after.id],
      duplicates: 0,
      refused: [{ id: foreign.id, code: 'site_not_served', reason: 'site site-b is not served by gateway gw-a' }],
    });
    expect(await stored(foreign.id)).toBe(false);
    expect(await stored(after.id)).toBe(true);
    expect((await listAlarms(server.app, server.tokens.admin)).map((a) => a.siteId)).toEqual(['site-a', 'site-a']);
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('carewatch_ingest_events_total{result="refused_site_not_served"} 1');
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
    // The second alarm change of the request fails as a full disk would, inside the transaction.
    const store = server.app.store;
    const original = store.write.bind(store);
    let calls = 0;
    store.write = (work) => original((tx) => work({
      ...tx,
      alarms: Object.assign(Object.create(tx.alarms), {
        appendChange: (change: Parameters<typeof tx.alarms.appendChange>[0], at: number) => {
          if (++calls === 2) throw new Error('disk full');
          return tx.alarms.appendChange(change, at);
        },
      }),
    }));
    const response = await send([first, event({ subject: 'device:btn-2', deviceId: 'btn-2' }), second]);
    store.write = original;
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal server error; see the server log' });
    expect(await stored(first.id)).toBe(false);
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

  it('refuses an event with bad fields, naming every one by its path, and stores the rest', async () => {
    const good = event();
    const bad = { ...event(), siteId: 'a/b', seq: -1 };
    const response = await post({ gatewayId: 'gw-a', events: [good, bad] });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.stored).toEqual([good.id]);
    expect(body.refused).toHaveLength(1);
    expect(body.refused[0]).toMatchObject({ id: bad.id, code: 'invalid' });
    expect(body.refused[0].reason).toContain(`event ${bad.id}.siteId: must be 1-64 letters`);
    expect(body.refused[0].reason).toContain(`event ${bad.id}.seq: `);
  });

  it('refuses an event of a kind this server does not know, alone', async () => {
    const unknown = { ...event(), kind: 'fire.imaginary' };
    const response = await post({ gatewayId: 'gw-a', events: [unknown] });
    expect(response.statusCode).toBe(200);
    expect(response.json().refused[0]).toMatchObject({ id: unknown.id, code: 'invalid' });
    expect(response.json().refused[0].reason).toMatch(new RegExp(`^event ${unknown.id}\\.kind: `));
  });

  it('an event without a usable id fails the whole request: nothing could name it in a refusal', async () => {
    const response = await post({ gatewayId: 'gw-a', events: [event(), { ...event(), id: 'x' }] });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\.events\.1\.id: /);
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

  it('raise → clear → return to alarm in one request: one alarm, each transition a change and an audit record, in order', async () => {
    await send([
      event({ ...button, seq: 1, ts: 1_000 }),
      event({ subject: 'device:btn-8', deviceId: 'btn-8', seq: 1, ts: 1_500 }),
      event({ ...button, action: 'clear', seq: 2, ts: 2_000 }),
      event({ ...button, seq: 3, ts: 3_000 }),
    ]);
    const all = await listAlarms(server.app, server.tokens.admin);
    expect(all).toHaveLength(2);
    const alarm = all.find((a) => a.deviceId === 'btn-7')!;
    expect(alarm).toMatchObject({ status: 'active_unack', count: 2, clearedAt: null });
    const stored = await server.app.store.read((tx) => tx.alarms.get(alarm.id));
    expect(stored).toEqual(alarm);
    const timeline = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/alarms/${alarm.id}/timeline`, headers: bearer(server.tokens.admin) });
    expect(timeline.json().entries.map((e: { action: string; details: { status: string } }) => [e.action, e.details.status])).toEqual([
      ['alarm.raised', 'active_unack'], ['alarm.cleared', 'cleared_unack'], ['alarm.raised', 'active_unack'],
    ]);
    const changes = await server.app.store.read((tx) => tx.alarms.changesAfter(0, 10));
    expect(changes.filter((c) => c.alarm.id === alarm.id).map((c) => [c.change, c.alarm.status])).toEqual([
      ['raised', 'active_unack'], ['cleared', 'cleared_unack'], ['raised', 'active_unack'],
    ]);
    expect((await server.app.inject({ method: 'GET', url: `${API_PREFIX}/audit/verify`, headers: bearer(server.tokens.admin) })).json()).toMatchObject({ ok: true, firstBroken: null });
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
    await server.app.inject({ method: 'POST', url: `${API_PREFIX}/alarms/${first!.id}/resolve`, headers: bearer(server.tokens.staffA), payload: { outcome: 'resident_helped', note: 'done' } });
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
