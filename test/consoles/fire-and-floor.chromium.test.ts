import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import { ALL_GRANT } from '../../server/services/scope.ts';
import { careHomeDocument } from '../server/coverage-fixture.ts';
import { actor, authorityOf, grantOf, principalWith, putRegions } from '../server/registry-fixture.ts';
import { bearer, event, ingest, testServer } from '../server/helpers.ts';
import type { TestServer } from '../server/helpers.ts';
import { openBrowser } from './browser.ts';
import type { Browser } from './browser.ts';

// A registered care home (coverage-fixture: 6 required room × kind pairs, bedroom 202 has no
// sprinkler) seen by the fire department's page and by the night staff's floor view (issue 20).
let server: TestServer;
let browser: Browser;
let url: string;
let eastFire: string;

beforeAll(async () => {
  server = await testServer();
  const { app } = server;
  await putRegions(app);
  const root = principalWith(app, 'admin', ALL_GRANT);
  await app.sites.putSite(actor, { siteId: 'home-east', gatewayId: 'gw-a', document: careHomeDocument('home-east', 'east') }, authorityOf(app, root));
  eastFire = (await app.accounts.putMachine(actor, { name: 'east-fire', kind: 'integration', role: 'firedept', grant: grantOf(['east']), regionId: 'east' }, () => undefined)).token!;
  // Today: room 201's detector and flow switch report, and the detector's self-test is recorded.
  const now = Date.now();
  const state = (deviceId: string, fields: Record<string, unknown>) => ({ type: 'state', siteId: 'home-east', deviceId, ts: now, receivedAt: now, source: { transport: 'mqtt' }, fields });
  const readings = await app.inject({ method: 'POST', url: `${API_PREFIX}/ingest/readings`, headers: bearer(server.tokens['gw-a']), payload: { gatewayId: 'gw-a', readings: [state('sd-201', { smoke: false, battery: 95 }), state('fs-201', { water_flow: false })] } });
  expect(readings.json()).toMatchObject({ refused: [] });
  const tested = await ingest(app, 'gw-a', server.tokens['gw-a'], [event({ siteId: 'home-east', deviceId: 'sd-201', subject: 'device:sd-201', kind: 'fire.test', action: 'record', severity: 'info', lane: 'telemetry', ts: now, roomId: undefined, residentId: undefined })]);
  expect(tested.json()).toMatchObject({ refused: [] });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const page = () => browser.page;

describe('the fire department\'s page and the floor view in Chromium', () => {
  it('shows the region roll-up and, per room, what protects it and why not', async () => {
    await page().goto(`${url}/fire#token=${encodeURIComponent(eastFire)}`);
    const site = page().locator('.region-rollup tr[data-site-id="home-east"]');
    await site.waitFor({ timeout: 10_000 });
    await site.click();
    await page().locator('#site-coverage').waitFor({ timeout: 10_000 });
    // 201 smoke (seen, tested today) and 201 sprinkler (seen) are covered: 2 of the 6 required.
    expect(await page().locator('#site-coverage h2 .percent').innerText()).toBe('33.3%');
    expect(await page().locator('#site-coverage tr.covered').count()).toBe(2);
    expect(await page().locator('#site-coverage tr[data-room-id="r202"][data-kind="sprinkler"] td.coverage-state').innerText()).toContain('未安装');
    expect(await page().locator('#site-coverage tr[data-room-id="corridor"][data-kind="smoke_detector"] td.coverage-state').innerText()).toContain('从未上线');
    await browser.screenshot('fire-coverage');
  });

  it('draws the site\'s floor with each room\'s devices, and names rooms and residents on the alarms', async () => {
    await page().goto(`${url}/#token=${encodeURIComponent(server.tokens.admin)}`);
    await page().waitForSelector('body[data-stream="live"]');
    await page().selectOption('#floor-site', 'home-east');
    await page().locator('#floor-view .room[data-room-id="r201"] li[data-device-id="sd-201"]').waitFor({ timeout: 10_000 });
    const events = await ingest(server.app, 'gw-a', server.tokens['gw-a'], [event({ siteId: 'home-east', deviceId: 'sd-201', subject: 'device:sd-201', kind: 'fire.smoke', roomId: 'r201', residentId: 'res-201', ts: Date.now() })]);
    expect(events.json()).toMatchObject({ refused: [] });
    const row = page().locator('#alarms tr:has(span.room[data-room-id="r201"])');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('td.where').innerText()).toContain('颐养院 home-east');
    expect(await row.locator('td.where .floor').innerText()).toBe('二层');
    expect(await row.locator('td.resident').innerText()).toBe('王奶奶');
    await page().locator('#floor-view .room.sev-critical[data-room-id="r201"] li.device.alarm[data-device-id="sd-201"]').waitFor({ timeout: 5_000 });
    await browser.screenshot('staff-console-floor-view');
  });
});
