import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import type { Alarm } from '../../contract/index.ts';
import { bearer, event, ingest, listAlarms, testServer } from './helpers.ts';
import type { Person, TestServer } from './helpers.ts';

let server: TestServer;
/** One alarm per (site, kind) below, keyed `site:kind`. */
const seeded = new Map<string, Alarm>();

beforeAll(async () => {
  server = await testServer();
  const t = server.tokens;
  const fire = { kind: 'fire.smoke', subject: 'device:sd-1', deviceId: 'sd-1' } as const;
  await ingest(server.app, 'gw-a', t['gw-a'], [event({ siteId: 'site-a', ts: 1_000 }), event({ siteId: 'site-a', ...fire, ts: 2_000 })]);
  await ingest(server.app, 'gw-b', t['gw-b'], [event({ siteId: 'site-b', ts: 3_000 }), event({ siteId: 'site-b', ...fire, ts: 4_000 })]);
  await ingest(server.app, 'gw-a', t['gw-a'], [event({ siteId: 'home-1', kind: 'wearable.sos', subject: 'resident:r-9', deviceId: 'watch-9', ts: 5_000 })]);
  for (const alarm of await listAlarms(server.app, t.admin)) seeded.set(`${alarm.siteId}:${alarm.kind}`, alarm);
});
afterAll(async () => {
  await server.close();
});

const get = (person: Person | 'gw-a', url: string) =>
  server.app.inject({ method: 'GET', url: `${API_PREFIX}${url}`, headers: bearer(server.tokens[person]) });
const post = (person: Person | 'gw-a', url: string, payload?: object) =>
  server.app.inject({ method: 'POST', url: `${API_PREFIX}${url}`, headers: bearer(server.tokens[person]), ...(payload ? { payload } : {}) });
const idOf = (key: string) => seeded.get(key)!.id;

describe('GET /api/v1/alarms', () => {
  it('lists newest first, every contract field present, with the change id it is current to', async () => {
    const response = await get('admin', '/alarms');
    expect(response.statusCode).toBe(200);
    const body = response.json() as { alarms: Alarm[]; lastChangeId: string };
    expect(body.alarms.map((a) => a.raisedAt)).toEqual([5_000, 4_000, 3_000, 2_000, 1_000].map((t) => new Date(t).toISOString()));
    expect(Object.keys(body.alarms[0]!).sort()).toEqual([
      'ackedAt', 'ackedBy', 'clearedAt', 'count', 'deviceId', 'id', 'kind', 'note', 'raisedAt', 'resident' + 'Id',
      'resolvedAt', 'resolvedBy', 'roomId', 'severity', 'siteId', 'status', 'subject', 'updatedAt',
      'outcome', 'assignedTo', 'attendedBy', 'attendedAt', 'escalationLevel', 'escalatedTo',
    ].sort());
    // Opaque to the caller (issue 16), change 5 to the server.
    expect(server.app.changeIds.decode(body.lastChangeId)).toBe(5);
  });

  it('honours limit', async () => {
    const response = await get('admin', '/alarms?limit=2');
    expect((response.json() as { alarms: Alarm[] }).alarms).toHaveLength(2);
  });

  // Issue 15, defect 8: the list stopped at its limit without saying more existed.
  it('says when more alarms match than a page holds, and pages through them all with the cursor', async () => {
    const pages: Array<{ alarms: Alarm[]; more: boolean; nextCursor?: string }> = [];
    let cursor: string | undefined;
    do {
      const response = await get('admin', `/alarms?status=all&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode).toBe(200);
      const page = response.json() as { alarms: Alarm[]; more: boolean; nextCursor?: string };
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => [p.alarms.length, p.more])).toEqual([[2, true], [2, true], [1, false]]);
    expect(pages.at(-1)!.nextCursor).toBeUndefined();
    const all = (await get('admin', '/alarms?status=all')).json() as { alarms: Alarm[]; more: boolean };
    expect(all.more).toBe(false);
    expect(pages.flatMap((p) => p.alarms.map((a) => a.id))).toEqual(all.alarms.map((a) => a.id));
  });

  it('refuses a cursor it did not give with 400', async () => {
    const response = await get('admin', '/alarms?cursor=not-a-cursor');
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/cursor/);
  });

  it.each([
    ['?limit=0', /^query\.limit: /],
    ['?limit=lots', /^query\.limit: /],
    ['?status=open', /^query\.status: /],
    ['?site=a%2Fb', /^query\.site: must be/],
  ])('refuses %s with 400', async (query, message) => {
    const response = await get('admin', `/alarms${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(message);
  });
});

describe('scope: no route shows a caller anything of a site outside its scope', () => {
  const visible: Record<Person, string[]> = {
    admin: ['home-1:wearable.sos', 'site-a:call.button', 'site-a:fire.smoke', 'site-b:call.button', 'site-b:fire.smoke'],
    staffA: ['site-a:call.button', 'site-a:fire.smoke'],
    staffB: ['site-b:call.button', 'site-b:fire.smoke'],
    callcentre: ['home-1:wearable.sos', 'site-a:call.button', 'site-a:fire.smoke'],
    firedept: ['site-a:fire.smoke', 'site-b:fire.smoke'],
  };

  it.each(Object.entries(visible))('%s sees exactly its alarms', async (person, keys) => {
    const alarms = await listAlarms(server.app, server.tokens[person as Person]);
    expect(alarms.map((a) => `${a.siteId}:${a.kind}`).sort()).toEqual(keys);
  });

  it.each([
    ['staffA', 'site-b'],
    ['staffB', 'home-1'],
    ['callcentre', 'site-b'],
    ['firedept', 'home-1'],
  ] as const)('%s asking for %s gets 403 naming the site', async (person, site) => {
    const response = await get(person, `/alarms?site=${site}`);
    expect(response.statusCode).toBe(403);
    expect(response.json().message).toBe(`site ${site} is outside your scope`);
  });

  it('the fire department, asking for a site of its own, still sees fire alarms only', async () => {
    const alarms = await listAlarms(server.app, server.tokens.firedept, 'status=all&site=site-a');
    expect(alarms.map((a) => a.kind)).toEqual(['fire.smoke']);
  });

  it('a gateway cannot read alarms, the stream or devices', async () => {
    for (const url of ['/alarms', '/stream', '/sites/site-a/devices']) {
      const response = await get('gw-a', url);
      expect(response.statusCode).toBe(403);
      expect(response.json().message).toMatch(/^role gateway may not /);
    }
  });

  it('acknowledging another site\'s alarm looks exactly like acknowledging none (404)', async () => {
    const foreign = await post('staffA', `/alarms/${idOf('site-b:call.button')}/ack`);
    const absent = await post('staffA', '/alarms/no-such-alarm/ack');
    expect(foreign.statusCode).toBe(404);
    expect(absent.statusCode).toBe(404);
    expect(foreign.json().message).toBe(`no alarm ${idOf('site-b:call.button')} in your scope`);
    expect((await listAlarms(server.app, server.tokens.admin)).find((a) => a.siteId === 'site-b' && a.kind === 'call.button')?.status).toBe('active_unack');
  });

  it('the fire department is read-only: no ack, no resolve, even of fire alarms', async () => {
    const ack = await post('firedept', `/alarms/${idOf('site-a:fire.smoke')}/ack`);
    const resolve = await post('firedept', `/alarms/${idOf('site-a:fire.smoke')}/resolve`, { outcome: 'false_alarm', note: 'x' });
    expect([ack.statusCode, resolve.statusCode]).toEqual([403, 403]);
    expect(ack.json().message).toBe('role firedept may not handle alarms (read-only role)');
  });

  it.each([
    ['staffA', 'site-b', 403],
    ['callcentre', 'site-b', 403],
    ['firedept', 'site-a', 403],
    ['staffB', 'site-b', 200],
    ['callcentre', 'home-1', 200],
    ['admin', 'home-1', 200],
  ] as const)('devices: %s for %s → %i', async (person, site, status) => {
    const response = await get(person, `/sites/${site}/devices`);
    expect(response.statusCode).toBe(status);
    if (status === 200) expect(response.json().siteId).toBe(site);
  });
});

describe('POST /api/v1/alarms/:id/ack and /resolve', () => {
  it('ack records who and when; a second ack is 409 with who acknowledged it', async () => {
    const id = idOf('site-a:call.button');
    const first = await post('staffA', `/alarms/${id}/ack`);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ id, status: 'active_ack', ackedBy: 'staffA' });
    expect(Date.parse(first.json().ackedAt)).not.toBeNaN();
    const second = await post('callcentre', `/alarms/${id}/ack`);
    expect(second.statusCode).toBe(409);
    expect(second.json()).toEqual({ statusCode: 409, error: 'Conflict', message: `alarm ${id} is already acknowledged (by staffA at ${first.json().ackedAt})` });
  });

  it('resolve needs an outcome, and a note for a critical alarm (400 without, nothing changed)', async () => {
    const id = idOf('home-1:wearable.sos');
    for (const [payload, message] of [
      [{}, /^body\.outcome: /],
      [{ note: 'fine', outcome: 'went_home' }, /^body\.outcome: /],
      [{ outcome: 'resident_helped' }, /is critical: resolving it needs a note/],
      [{ outcome: 'resident_helped', note: '   ' }, /is critical: resolving it needs a note/],
    ] as const) {
      const response = await post('callcentre', `/alarms/${id}/resolve`, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toMatch(message);
    }
    expect((await post('callcentre', `/alarms/${id}/resolve`)).statusCode).toBe(400);
    expect((await listAlarms(server.app, server.tokens.callcentre)).find((a) => a.id === id)?.status).toBe('active_unack');
  });

  it('resolve closes the alarm with outcome, note and name; it leaves the active list; resolving again is 409', async () => {
    const id = idOf('home-1:wearable.sos');
    const response = await post('callcentre', `/alarms/${id}/resolve`, { outcome: 'resident_helped', note: '  called back, resident fine  ' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'resolved', resolvedBy: 'callcentre', outcome: 'resident_helped', note: 'called back, resident fine' });
    expect((await listAlarms(server.app, server.tokens.callcentre, 'status=active')).map((a) => a.id)).not.toContain(id);
    expect((await listAlarms(server.app, server.tokens.callcentre, 'status=all')).map((a) => a.id)).toContain(id);
    const again = await post('callcentre', `/alarms/${id}/resolve`, { outcome: 'other', note: 'again' });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/already resolved/);
    const ack = await post('callcentre', `/alarms/${id}/ack`);
    expect(ack.statusCode).toBe(409);
    expect(ack.json().message).toBe(`alarm ${id} is resolved and cannot be acknowledged`);
  });

  it('an over-long alarm id is a 400, not a lookup', async () => {
    const response = await post('admin', `/alarms/${'x'.repeat(65)}/ack`);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^params\.id: /);
  });
});
