import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, hashSecret } from '../../contract/index.ts';
import type { AuditListResponse } from '../../contract/index.ts';
import { ALL_GRANT } from '../../server/services/scope.ts';
import { actor, authorityOf, homeDocument, principalWith, putRegions } from './registry-fixture.ts';
import { bearer, makeProvisioning, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let server: TestServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  // The fixture's people, plus a call centre over the east district (where home-e1 is) and staff of another home.
  const { provisioning, tokens: base } = makeProvisioning();
  Object.assign(tokens, base, { east: 'tok-east-callcentre', other: 'tok-other-staff' });
  provisioning.users.push(
    { username: 'east-cc', role: 'callcentre', sites: [], regions: ['east'], tokenHash: hashSecret(tokens.east!) },
    { username: 'other-staff', role: 'staff', sites: ['home-w1'], tokenHash: hashSecret(tokens.other!) },
  );
  server = await testServer({ provisioning, escalation: { manual: true } });
  await putRegions(server.app);
  const root = principalWith(server.app, 'admin', ALL_GRANT, 'root');
  await server.app.sites.putSite(actor, { siteId: 'home-e1', gatewayId: 'gw-a', document: homeDocument('home-e1', 'east') }, authorityOf(server.app, root));
  await server.app.sites.putSite(actor, { siteId: 'home-w1', gatewayId: 'gw-a', document: homeDocument('home-w1', 'west') }, authorityOf(server.app, root));
});
afterAll(async () => {
  await server.close();
});

const get = (token: string, url: string) => server.app.inject({ method: 'GET', url: `${API_PREFIX}${url}`, headers: bearer(token) });

describe('the resident\'s card (issue 18)', () => {
  it('shows who, where, care notes and contacts to the call centre of the region; the view is audited with purpose and address', async () => {
    const response = await get(tokens.east!, '/sites/home-e1/residents/r1?purpose=alarm%20handling');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: 'r1', siteId: 'home-e1', name: '张桂芳', careNotes: '独居，糖尿病', livesAlone: true,
      room: { id: 'bedroom', name: expect.any(String) },
      contacts: [{ name: '子女', relation: '女儿', phone: '+86 139 0000 1001' }, { name: '社区网格员', relation: '社区', phone: '+86 571 8700 1001' }],
    });
    const byId = await get(tokens.east!, '/residents/r1?site=home-e1');
    expect(byId.json()).toEqual(response.json());
    const audit = await get(tokens.admin!, '/audit?site=home-e1');
    const views = (audit.json() as AuditListResponse).records.filter((r) => r.action === 'resident.viewed');
    expect(views.map((v) => [v.actor, v.residentId, v.details.purpose, v.from])).toEqual([
      ['east-cc', 'r1', 'alarm handling', '127.0.0.1'], ['east-cc', 'r1', 'console: resident card', '127.0.0.1'],
    ]);
  });

  it('out of scope is absent and leaves no record; the fire department and gateways may not read it; bad ids are 400', async () => {
    const before = (await get(tokens.admin!, '/audit?site=home-e1')).json().records.length;
    expect((await get(tokens.other!, '/sites/home-e1/residents/r1')).statusCode).toBe(404);
    expect((await get(tokens.staffA!, '/residents/r1?site=home-e1')).statusCode).toBe(404);
    expect((await get(tokens.east!, '/sites/home-e1/residents/nobody')).statusCode).toBe(404);
    expect((await get(tokens.firedept!, '/sites/home-e1/residents/r1')).statusCode).toBe(403);
    expect((await get(tokens['gw-a']!, '/sites/home-e1/residents/r1')).statusCode).toBe(403);
    expect((await get(tokens.east!, '/residents/r1')).statusCode).toBe(400);
    expect((await get(tokens.admin!, '/audit?site=home-e1')).json().records.length).toBe(before);
  });
});
