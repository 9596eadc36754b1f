import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import type { AlarmTimeline, AuditListResponse, AuditRecord } from '../../contract/index.ts';
import { SERVER_DB_FILE } from '../../server/services/store/sqlite-store.ts';
import { bearer, event, ingest, listAlarms, testServer } from './helpers.ts';
import type { Person, TestServer } from './helpers.ts';

let server: TestServer;
let siteA = '';
let siteB = '';

beforeAll(async () => {
  server = await testServer({ escalation: { manual: true } });
  const t = server.tokens;
  await ingest(server.app, 'gw-a', t['gw-a'], [event({ siteId: 'site-a', ts: 1_000 })]);
  await ingest(server.app, 'gw-b', t['gw-b'], [event({ siteId: 'site-b', ts: 2_000, kind: 'device.battery_low', severity: 'warning', subject: 'device:sd-2', deviceId: 'sd-2' })]);
  const alarms = await listAlarms(server.app, t.admin);
  siteA = alarms.find((a) => a.siteId === 'site-a')!.id;
  siteB = alarms.find((a) => a.siteId === 'site-b')!.id;
});
afterAll(async () => {
  await server.close();
});

const get = (person: Person, url: string) => server.app.inject({ method: 'GET', url: `${API_PREFIX}${url}`, headers: bearer(server.tokens[person]) });
const post = (person: Person, url: string, payload?: object) =>
  server.app.inject({ method: 'POST', url: `${API_PREFIX}${url}`, headers: bearer(server.tokens[person]), ...(payload ? { payload } : {}) });

describe('handling an alarm: every action audited with who, when and from where', () => {
  it('ack, attend, assign, comment, resolve: each a change, each an audit record, all in the timeline in order', async () => {
    expect((await post('staffA', `/alarms/${siteA}/ack`)).statusCode).toBe(200);
    expect((await post('staffA', `/alarms/${siteA}/attend`, {})).json()).toMatchObject({ attendedBy: 'staffA' });
    expect((await post('staffA', `/alarms/${siteA}/attend`, {})).statusCode).toBe(409);
    expect((await post('callcentre', `/alarms/${siteA}/assign`, { to: 'nurse-li' })).json()).toMatchObject({ assignedTo: 'nurse-li' });
    expect((await post('staffA', `/alarms/${siteA}/comment`, { text: '  resident on the floor, conscious ' })).statusCode).toBe(200);
    expect((await post('staffA', `/alarms/${siteA}/comment`, { text: '   ' })).statusCode).toBe(400);
    const resolved = await post('staffA', `/alarms/${siteA}/resolve`, { outcome: 'ambulance_called', note: 'taken to hospital' });
    expect(resolved.json()).toMatchObject({ status: 'resolved', outcome: 'ambulance_called', note: 'taken to hospital', attendedBy: null });

    const response = await get('staffA', `/alarms/${siteA}/timeline`);
    expect(response.statusCode).toBe(200);
    const { alarm, entries } = response.json() as AlarmTimeline;
    expect(alarm.id).toBe(siteA);
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['alarm.raised', 'gateway:gw-a'], ['alarm.acknowledged', 'staffA'], ['alarm.attended', 'staffA'], ['alarm.assigned', 'callcentre'],
      ['alarm.commented', 'staffA'], ['alarm.resolved', 'staffA'],
    ]);
    expect(entries.every((e) => e.siteId === 'site-a' && e.alarmId === siteA)).toBe(true);
    expect(entries.slice(1).every((e) => e.from === '127.0.0.1')).toBe(true);
    expect(entries.find((e) => e.action === 'alarm.commented')!.details.text).toBe('resident on the floor, conscious');
    expect(entries.find((e) => e.action === 'alarm.resolved')!.details).toMatchObject({ outcome: 'ambulance_called', note: 'taken to hospital' });
  });

  it('a non-critical alarm resolves with an outcome and no note', async () => {
    const response = await post('staffB', `/alarms/${siteB}/resolve`, { outcome: 'device_fault' });
    expect(response.json()).toMatchObject({ status: 'resolved', outcome: 'device_fault', note: null });
  });

  it('scope: another site\'s timeline and actions are 404, the fire department may not act, a gateway may not read', async () => {
    expect((await get('staffB', `/alarms/${siteA}/timeline`)).statusCode).toBe(404);
    expect((await get('firedept', `/alarms/${siteA}/timeline`)).statusCode).toBe(404); // not a fire alarm
    for (const action of ['attend', 'assign', 'comment']) {
      expect((await post('staffB', `/alarms/${siteA}/${action}`, action === 'assign' ? { to: 'x' } : action === 'comment' ? { text: 'x' } : {})).statusCode).toBe(404);
      expect((await post('firedept', `/alarms/${siteA}/${action}`, {})).statusCode).toBe(403);
    }
    const gateway = await server.app.inject({ method: 'GET', url: `${API_PREFIX}/alarms/${siteA}/timeline`, headers: bearer(server.tokens['gw-a']) });
    expect(gateway.statusCode).toBe(403);
  });
});

describe('GET /api/v1/audit and /audit/verify', () => {
  const records = async (person: Person, query = '') => {
    const response = await get(person, `/audit${query}`);
    expect(response.statusCode).toBe(200);
    return (response.json() as AuditListResponse).records;
  };

  it('shows each caller only the records of its sites; site filter and time window; pages by position', async () => {
    expect(new Set((await records('staffA')).map((r) => r.siteId))).toEqual(new Set(['site-a']));
    expect(new Set((await records('staffB')).map((r) => r.siteId))).toEqual(new Set(['site-b']));
    expect((await get('staffA', '/audit?site=site-b')).statusCode).toBe(403);
    expect((await get('firedept', '/audit')).statusCode).toBe(403);
    const all = await records('admin', '?site=site-a');
    const [first, second] = all;
    expect((await records('admin', `?site=site-a&from=${second!.at}&to=${second!.at + 1}`)).map((r) => r.seq)).toEqual(all.filter((r) => r.at === second!.at).map((r) => r.seq));
    const page = await get('admin', '/audit?site=site-a&limit=1');
    expect(page.json()).toMatchObject({ records: [{ seq: first!.seq }], next: first!.seq });
    expect((await records('admin', `?site=site-a&after=${first!.seq}&limit=1`))[0]!.seq).toBe(second!.seq);
    expect((await get('admin', '/audit?from=yesterday')).statusCode).toBe(400);
  });

  it('verify: intact, then names the record edited in the database file behind the server', async () => {
    expect((await get('staffA', '/audit/verify')).statusCode).toBe(403);
    const intact = await get('admin', '/audit/verify');
    expect(intact.json()).toMatchObject({ ok: true, firstBroken: null });
    const all = (await records('admin', '?site=site-a')) as AuditRecord[];
    const target = all.find((r) => r.action === 'alarm.resolved')!;
    const db = new Database(join(server.dataDir, SERVER_DB_FILE));
    try {
      const row = db.prepare('SELECT body FROM audit WHERE seq = ?').get(target.seq) as { body: string };
      db.prepare('UPDATE audit SET body = ? WHERE seq = ?').run(row.body.replace('ambulance_called', 'false_alarm'), target.seq);
    } finally {
      db.close();
    }
    const broken = await get('admin', '/audit/verify');
    expect(broken.json()).toMatchObject({ ok: false, firstBroken: { seq: target.seq, problem: 'edited' } });
  });
});
