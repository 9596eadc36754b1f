import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PREFIX, AlarmChange } from '../../contract/index.ts';
import type { EventInput, ServerProvisioning } from '../../contract/index.ts';
import { startServer } from '../../server/main.ts';
import type { RunningServer } from '../../server/main.ts';
import { ChangeIds } from '../../server/services/change-ids.ts';
import { loadDataKey } from '../../server/services/privacy/data-key.ts';
import { event, makeProvisioning, tempDir, writeProvisioning } from './helpers.ts';
import type { GatewayName, Person } from './helpers.ts';
import { openSse } from './sse-client.ts';
import type { SseStream } from './sse-client.ts';

let dir: ReturnType<typeof tempDir>;
let provisionFile: string;
let tokens: Record<Person | GatewayName, string>;
let server: RunningServer;
const streams: SseStream[] = [];
/** The id the server shows for change n (opaque, issue 16): sealed with the key of its data folder. */
const idOf = (n: number) => new ChangeIds(loadDataKey({ dataDir: dir.path }).key).encode(n);

async function boot(): Promise<RunningServer> {
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir.path, provisionFile, logger: false });
  return server;
}

beforeEach(async () => {
  dir = tempDir();
  let provisioning: ServerProvisioning;
  ({ provisioning, tokens } = makeProvisioning());
  provisionFile = writeProvisioning(dir.path, provisioning);
  await boot();
});
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await server.close();
  dir.remove();
});

async function stream(person: Person, lastEventId?: number | string): Promise<SseStream> {
  const s = await openSse(`${server.url}${API_PREFIX}/stream`, tokens[person], lastEventId);
  streams.push(s);
  return s;
}

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${server.url}${API_PREFIX}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: await response.json() };
}

const send = (gateway: GatewayName, events: EventInput[]) => call('POST', '/ingest', tokens[gateway], { gatewayId: gateway, events });
const changes = (messages: { data: string }[]) => messages.map((m) => AlarmChange.parse(JSON.parse(m.data)));

describe('GET /api/v1/stream (Server-Sent Events)', () => {
  it('streams unbuffered with SSE headers, each change with its persisted id (sealed)', async () => {
    const s = await stream('staffA');
    expect(s.response.statusCode).toBe(200);
    expect(s.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.response.headers['x-accel-buffering']).toBe('no');
    expect(s.response.headers['cache-control']).toBe('no-cache, no-transform');

    await send('gw-a', [event({ subject: 'device:btn-1', deviceId: 'btn-1' })]);
    const [raised] = await s.waitFor(1);
    const change = changes([raised!])[0]!;
    expect(change).toMatchObject({ change: 'raised', alarm: { status: 'active_unack', deviceId: 'btn-1' } });
    expect(raised!.id).toBe(idOf(1));

    const ack = await call('POST', `/alarms/${change.alarm.id}/ack`, tokens.staffA);
    expect(ack.status).toBe(200);
    const messages = await s.waitFor(2);
    expect(messages[1]!.id).toBe(idOf(2));
    expect(changes(messages)[1]).toMatchObject({ change: 'acked', alarm: { status: 'active_ack', ackedBy: 'staffA' } });
  });

  it('sends each caller only changes in its scope', async () => {
    const [a, b, fire] = [await stream('staffA'), await stream('staffB'), await stream('firedept')];
    await send('gw-a', [event({ siteId: 'site-a' }), event({ siteId: 'home-1' }), event({ siteId: 'site-a', kind: 'fire.smoke', subject: 'device:sd-1' })]);
    await send('gw-b', [event({ siteId: 'site-b' })]);
    const seenByA = await a.waitFor(2);
    const seenByB = await b.waitFor(1);
    const seenByFire = await fire.waitFor(1);
    // The last change was site-b's: by the time B has it, A and fire would have had any leak.
    expect(changes(seenByA).map((c) => `${c.alarm.siteId}:${c.alarm.kind}`).sort()).toEqual(['site-a:call.button', 'site-a:fire.smoke']);
    expect(changes(seenByB).map((c) => c.alarm.siteId)).toEqual(['site-b']);
    expect(changes(seenByFire).map((c) => c.alarm.kind)).toEqual(['fire.smoke']);
    expect(a.messages).toHaveLength(2);
    expect(fire.messages).toHaveLength(1);
  });

  it('resumes after a reconnect with Last-Event-ID: exactly the missed changes, in order', async () => {
    const first = await stream('admin');
    await send('gw-a', [event({ subject: 'device:d1' })]);
    const [seen] = await first.waitFor(1);
    first.close();
    await first.ended;

    await send('gw-a', [event({ subject: 'device:d2' }), event({ subject: 'device:d3' })]);
    await send('gw-b', [event({ siteId: 'site-b', subject: 'device:d4' })]);

    const resumed = await stream('admin', seen!.id!);
    const missed = await resumed.waitFor(3);
    expect(missed.map((m) => m.id)).toEqual([2, 3, 4].map(idOf));
    expect(changes(missed).map((c) => c.alarm.subject)).toEqual(['device:d2', 'device:d3', 'device:d4']);
    // …and then live again.
    await send('gw-a', [event({ subject: 'device:d5' })]);
    expect((await resumed.waitFor(4))[3]!.id).toBe(idOf(5));
  });

  it('resumes after a server restart: change ids are persisted, and the replay is scoped', async () => {
    await send('gw-a', [event({ subject: 'device:d1' })]);
    const live = await stream('staffB');
    await server.close(); // an open stream must not hold the server up
    await live.ended;

    await boot();
    await send('gw-b', [event({ siteId: 'site-b', subject: 'device:d2' })]);
    await send('gw-a', [event({ subject: 'device:d3' })]);
    await send('gw-b', [event({ siteId: 'site-b', subject: 'device:d4' })]);
    const resumed = await stream('staffB', idOf(1));
    const missed = await resumed.waitFor(2);
    expect(missed.map((m) => m.id)).toEqual([idOf(2), idOf(4)]);
    expect(changes(missed).map((c) => c.alarm.siteId)).toEqual(['site-b', 'site-b']);
  });

  it('tells a client ahead of the store (a rebuilt server) to reset, with the id to follow from', async () => {
    await send('gw-a', [event()]);
    const s = await stream('admin', idOf(999));
    const [reset] = await s.waitFor(1);
    expect(reset).toEqual({ id: idOf(1), event: 'reset', data: '{}' });
  });

  it('ids reveal nothing of other sites\' activity: another site\'s changes between two of mine leave no trace in my ids', async () => {
    // Site A's staff sees two changes; in one run nothing happens elsewhere between them, in
    // the other site B has 20 alarms. Plain change ids differed by 1 and by 21.
    const a = await stream('staffA');
    await send('gw-a', [event({ subject: 'device:a1' })]);
    await send('gw-b', Array.from({ length: 20 }, (_, i) => event({ siteId: 'site-b', subject: `device:b${i}` })));
    await send('gw-a', [event({ subject: 'device:a2' })]);
    const seen = await a.waitFor(2);
    for (const m of seen) expect(m.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(seen.map((m) => m.id)).not.toContain('1');
    expect(seen.map((m) => m.id)).not.toContain('22');
    // The alarm list's position is as opaque as the stream's ids.
    const list = await call('GET', '/alarms?status=all', tokens.staffA);
    expect(list.json.lastChangeId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(list.json.lastChangeId).toBe(seen[1]!.id);
  });

  it('refuses a guessed Last-Event-ID (probing where the log is would count other sites\' changes)', async () => {
    await send('gw-a', [event()]);
    for (const guess of ['1', '999', idOf(1).replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))]) {
      const r = await fetch(`${server.url}${API_PREFIX}/stream`, { headers: { authorization: `Bearer ${tokens.staffA}`, 'last-event-id': guess } });
      expect([guess, r.status]).toEqual([guess, 400]);
      expect((await r.json() as { message: string }).message).toMatch(/^headers\.last-event-id: not a change id this server gave/);
    }
  });

  it('refuses a Last-Event-ID that is not a change id', async () => {
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.url}${API_PREFIX}/stream`, {
        headers: { authorization: `Bearer ${tokens.admin}`, 'last-event-id': 'abc' },
      }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).message).toMatch(/^headers\.last-event-id: not a change id this server gave/);
  });

  it('counts open streams and forgets a closed one', async () => {
    const metric = async () => Number(/^carewatch_sse_clients (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);
    const s = await stream('admin');
    expect(await metric()).toBe(1);
    s.close();
    await s.ended;
    for (let i = 0; i < 50 && (await metric()) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await metric()).toBe(0);
  });
});
