import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import { bearer, event, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';
import { REGION_NODES, homeDocument } from './registry-fixture.ts';

// Issue 17, must show: "A test that reads the raw database file and finds no resident's name or
// phone number in clear." The resident's personal fields travel through every path that stores
// something — the site put, a device change, an alarm of theirs, their card viewed, an export —
// and then the database files (and the WAL beside them) are read as bytes.
const NAME = '王秀英测试';
const PHONE = '+86 139 5555 0199';
const NOTE = '独居，心脏起搏器';
const PASSWORD = 'privacy test admin password';

let server: TestServer;
beforeAll(async () => {
  server = await testServer({ adminPassword: PASSWORD });
  const { token } = (await server.app.inject({ method: 'POST', url: `${API_PREFIX}/session`, payload: { username: 'admin', password: PASSWORD } })).json() as { token: string };
  const call = (method: 'GET' | 'PUT' | 'POST', path: string, payload?: object) =>
    server.app.inject({ method, url: `${API_PREFIX}${path}`, headers: bearer(token), ...(payload ? { payload } : {}) });
  for (const node of REGION_NODES) expect((await call('PUT', `/admin/regions/${node.id}`, { parentId: node.parentId, name: node.name })).statusCode).toBe(200);
  expect((await call('PUT', '/admin/gateways/gw-a', { regionId: 'city' })).statusCode).toBe(200);
  const document = homeDocument('home-private', 'east', (file) => {
    const r = file.residents![0]!;
    r.name = NAME;
    r.careNotes = NOTE;
    r.contacts = [{ name: `${NAME}的女儿`, relation: '女儿', phone: PHONE }];
  });
  expect((await call('PUT', '/admin/sites/home-private', { gatewayId: 'gw-a', document })).statusCode).toBe(200);
  expect((await call('PUT', '/admin/sites/home-private/devices/bed', { id: 'bed', profile: 'bed-sensor', residentId: 'r1', roomId: 'bedroom', transport: 'zigbee2mqtt', friendlyName: 'bed' })).statusCode).toBe(200);
  const sent = await server.app.inject({ method: 'POST', url: `${API_PREFIX}/ingest`, headers: bearer(server.tokens['gw-a']), payload: { gatewayId: 'gw-a', events: [event({ siteId: 'home-private', kind: 'wearable.sos', deviceId: 'watch', subject: 'device:watch', roomId: 'bedroom', residentId: 'r1' })] } });
  expect(sent.json()).toMatchObject({ refused: [] });
  const doc = await call('GET', '/admin/sites/home-private');
  expect(JSON.stringify(doc.json())).toContain(NAME); // the API, to its administrator, shows it
  expect((await call('GET', '/admin/sites/home-private/residents/r1/export')).json()).toMatchObject({ resident: { name: NAME } });
  expect((await call('GET', '/admin/sites/home-private/sheet?format=csv')).body).toContain(NAME);
});
afterAll(async () => {
  await server?.close();
});

describe('personal data at rest', () => {
  it("the raw database files hold no resident's name, phone number or care notes in clear", async () => {
    const files = readdirSync(server.dataDir).filter((f) => f.startsWith('server.db'));
    expect(files).toContain('server.db');
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(server.dataDir, f))));
    expect(bytes.length).toBeGreaterThan(4096);
    // Sanity: the same files do hold the non-personal ids in clear (the search itself works).
    expect(bytes.includes(Buffer.from('home-private'))).toBe(true);
    for (const secret of [NAME, PHONE, PHONE.replace(/ /g, ''), NOTE]) {
      expect(bytes.includes(Buffer.from(secret, 'utf8')), `"${secret}" in clear`).toBe(false);
      expect(bytes.includes(Buffer.from(JSON.stringify(secret).slice(1, -1), 'utf8')), `"${secret}" JSON-escaped`).toBe(false);
    }
  });

  it('the data key lives apart from the database (a file of its own, owner-only)', () => {
    const key = join(server.dataDir, 'data.key');
    expect(existsSync(key)).toBe(true);
  });
});
