import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, SiteFile } from '../../contract/index.ts';
import type { CoverageReport, EventInput, RegionCoverage } from '../../contract/index.ts';
import { auditSite } from '../../server/services/coverage/audit-site.ts';
import { ALL_GRANT } from '../../server/services/scope.ts';
import { careHomeDocument } from './coverage-fixture.ts';
import { actor, authorityOf, grantOf, principalWith, putRegions } from './registry-fixture.ts';
import { startInfluxd } from '../helpers/influxd.ts';
import type { Influxd } from '../helpers/influxd.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { bearer, event, ingest, testServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

// Issue 19 must-show: "Coverage built from a scripted history (devices going offline, batteries
// dying, self-tests done), asserted at several past instants; scope tests (a fire department sees
// only its region)."
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1); // 08:00 in Asia/Shanghai

// The same story on both history stores: the embedded one and a real influxd (one for the file).
let influxd: Influxd;
let influxDir: ReturnType<typeof tempDir>;
beforeAll(async () => {
  influxDir = tempDir('carewatch-influx-');
  influxd = await startInfluxd(influxDir.path);
}, 30_000);
afterAll(async () => {
  await influxd?.stop();
  influxDir?.remove();
});

describeCoverage('embedded history', () => undefined);
describeCoverage('InfluxDB history', () => `${influxd.url}/coverage`);

function describeCoverage(storeName: string, influxUrl: () => string | undefined): void {
  describe(`coverage on the ${storeName}`, () => {
    let server: TestServer;
    let eastFire: string;
    let westFire: string;

    const state = (siteId: string, deviceId: string, ts: number, fields: Record<string, unknown>) =>
      ({ type: 'state', siteId, deviceId, ts, receivedAt: ts, source: { transport: 'mqtt' }, fields });
    const condition = (siteId: string, deviceId: string, kind: EventInput['kind'], action: 'raise' | 'clear', ts: number) =>
      event({ siteId, deviceId, kind, action, ts, subject: `device:${deviceId}`, severity: 'minor', lane: 'alarm', roomId: undefined, residentId: undefined });

    beforeAll(async () => {
      server = await testServer({ clock: () => T0 + 100 * DAY, influxUrl: influxUrl() });
      const { app } = server;
      await putRegions(app);
      const root = principalWith(app, 'admin', ALL_GRANT);
      await app.sites.putSite(actor, { siteId: 'home-east', gatewayId: 'gw-a', document: careHomeDocument('home-east', 'east') }, authorityOf(app, root));
      await app.sites.putSite(actor, { siteId: 'home-west', gatewayId: 'gw-a', document: careHomeDocument('home-west', 'west') }, authorityOf(app, root));
      const fire = async (name: string, region: string) =>
        (await app.accounts.putMachine(actor, { name, kind: 'integration', role: 'firedept', grant: grantOf([region]), regionId: region }, () => undefined)).token!;
      eastFire = await fire('east-fire', 'east');
      westFire = await fire('west-fire', 'west');

      // The scripted history of home-east, sent as the gateway sends it.
      const readings = (list: unknown[]) => app.inject({ method: 'POST', url: `${API_PREFIX}/ingest/readings`, headers: bearer(server.tokens['gw-a']), payload: { gatewayId: 'gw-a', readings: list } });
      const s = 'home-east';
      const day0 = await readings([
        state(s, 'sd-201', T0, { smoke: false, battery: 95 }), state(s, 'fs-201', T0, { water_flow: false }),
        state(s, 'sd-202', T0, { smoke: false, battery: 90 }), state(s, 'hd-k', T0, { heat: false, battery: 80 }),
        state(s, 'sd-c', T0, { smoke: false, battery: 85 }),
        state('home-west', 'sd-201', T0, { smoke: false, battery: 99 }),
      ]);
      expect(day0.json()).toEqual({ accepted: 6, refused: [] });
      // Day 1: the detectors of 201, 202 and the kitchen are tested (fire.test records); the corridor's is not.
      const tests = ['sd-201', 'sd-202', 'hd-k'].map((d) => event({ siteId: s, deviceId: d, subject: `device:${d}`, kind: 'fire.test', action: 'record', severity: 'info', lane: 'telemetry', ts: T0 + DAY, roomId: undefined, residentId: undefined }));
      const events = await ingest(app, 'gw-a', server.tokens['gw-a'], [
        ...tests,
        // Day 3: something the site does not register is heard.
        event({ siteId: s, deviceId: 'ghost-1', subject: 'device:ghost-1', kind: 'device.unregistered', action: 'raise', severity: 'major', lane: 'alarm', ts: T0 + 3 * DAY, roomId: undefined, residentId: undefined }),
        // Day 5: 201's detector drops off; day 6 it is back.
        condition(s, 'sd-201', 'device.offline', 'raise', T0 + 5 * DAY),
        condition(s, 'sd-201', 'device.offline', 'clear', T0 + 6 * DAY),
      ]);
      expect(events.json()).toMatchObject({ refused: [] });
      // Day 20: the kitchen's heat detector reports a dying battery.
      await readings([state(s, 'hd-k', T0 + 20 * DAY, { heat: false, battery: 10 })]);
      await app.history.settled();
    });
    afterAll(async () => {
      await server?.close();
    });

    const get = (url: string, token = server.tokens.admin) => server.app.inject({ method: 'GET', url: `${API_PREFIX}${url}`, headers: bearer(token) });
    const coverageAt = async (ts: number, siteId = 'home-east', token = server.tokens.admin): Promise<CoverageReport> => {
      const response = await get(`/sites/${siteId}/coverage?at=${new Date(ts).toISOString()}`, token);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as CoverageReport;
    };
    /** `room/kind: reasons` for every gap, in document order. */
    const gaps = (r: CoverageReport) => r.items.filter((i) => !i.covered).map((i) => `${i.roomId}/${i.kind}: ${i.reasons.join(',')}`);

    describe('coverage at past moments, from a scripted history', () => {
      it('before anything was heard: every device never seen, 202 has no sprinkler, nothing covered', async () => {
        const r = await coverageAt(T0 - HOUR);
        expect([r.required, r.covered, r.percent]).toEqual([6, 0, 0]);
        expect(gaps(r)).toEqual([
          'r201/smoke_detector: never_seen,never_tested', 'r201/sprinkler: never_seen', 'r202/smoke_detector: never_seen,never_tested',
          'r202/sprinkler: missing', 'kitchen/heat_detector: never_seen,never_tested', 'corridor/smoke_detector: never_seen,never_tested',
        ]);
        expect(r.registeredNeverSeen.map((d) => d.deviceId)).toEqual(['sd-201', 'fs-201', 'sd-202', 'hd-k', 'sd-c', 'bed-201']);
      });

      it('day 2: tested detectors cover their rooms; the corridor was never tested; 202 still lacks a sprinkler', async () => {
        const r = await coverageAt(T0 + 2 * DAY);
        expect([r.covered, r.percent]).toEqual([4, 66.7]);
        expect(gaps(r)).toEqual(['r202/sprinkler: missing', 'corridor/smoke_detector: never_tested']);
        const sd201 = r.items.find((i) => i.roomId === 'r201' && i.kind === 'smoke_detector')!.devices[0]!;
        expect(sd201).toMatchObject({ deviceId: 'sd-201', online: true, battery: 95, lastSeen: new Date(T0 + DAY).toISOString(), lastSelfTest: new Date(T0 + DAY).toISOString(), daysSinceTest: 1, reasons: [] });
      });

      it('day 5: 201\'s detector is offline, and the device nobody registered is listed', async () => {
        const r = await coverageAt(T0 + 5 * DAY + HOUR);
        expect(gaps(r)).toEqual(['r201/smoke_detector: offline', 'r202/sprinkler: missing', 'corridor/smoke_detector: never_tested']);
        expect(r.unregisteredSeen).toEqual([{ deviceId: 'ghost-1', lastSeen: new Date(T0 + 3 * DAY).toISOString() }]);
        expect(r.percent).toBe(50);
      });

      it('day 21: 201 is back; the kitchen\'s battery is dying', async () => {
        const r = await coverageAt(T0 + 21 * DAY);
        expect(gaps(r)).toEqual(['r202/sprinkler: missing', 'kitchen/heat_detector: battery_low', 'corridor/smoke_detector: never_tested']);
      });

      it('day 40: the day-1 tests are more than 30 days old', async () => {
        const r = await coverageAt(T0 + 40 * DAY);
        expect(gaps(r)).toEqual([
          'r201/smoke_detector: not_tested_recently', 'r202/smoke_detector: not_tested_recently', 'r202/sprinkler: missing',
          'kitchen/heat_detector: battery_low,not_tested_recently', 'corridor/smoke_detector: never_tested',
        ]);
        expect([r.covered, r.percent]).toEqual([1, 16.7]);
      });

      it('without `at`, answers for now (the server clock)', async () => {
        expect((await coverageAt(T0 + 100 * DAY)).at).toBe((await get('/sites/home-east/coverage').then((x) => x.json() as CoverageReport)).at);
      });
    });

    describe('coverage rules: defaults per room type, overridable per site', () => {
      it('a site may require more (a smoke detector in the office) or less (no sprinkler in bedrooms)', () => {
        const doc = SiteFile.parse(careHomeDocument('s', 'east', (f) => { f.coverage = { rules: { office: ['smoke_detector'], bedroom: ['smoke_detector'] } }; }));
        const r = auditSite(doc, [], T0);
        expect(r.items.map((i) => `${i.roomId}/${i.kind}`)).toEqual(['r201/smoke_detector', 'r202/smoke_detector', 'kitchen/heat_detector', 'corridor/smoke_detector', 'office/smoke_detector']);
        expect(r.items.find((i) => i.roomId === 'office')!.reasons).toEqual(['missing']);
      });
    });

    describe('coverage: who may see it', () => {
      it('a fire department sees the sites of its region and no other', async () => {
        expect((await coverageAt(T0 + 2 * DAY, 'home-east', eastFire)).siteId).toBe('home-east');
        expect((await get('/sites/home-west/coverage', eastFire)).statusCode).toBe(403);
        expect((await get('/sites/home-east/coverage.csv', westFire)).statusCode).toBe(403);
        expect((await get('/regions/west/coverage', eastFire)).statusCode).toBe(403);
      });

      it('the region roll-up lists the caller\'s sites beneath the node, worst first', async () => {
        const at = new Date(T0 + 2 * DAY).toISOString();
        const city = (await get(`/regions/city/coverage?at=${at}`)).json() as RegionCoverage;
        // home-west: only its 201 detector ever reported, and it was never tested: nothing covered.
        expect(city.sites.map((s) => [s.siteId, s.percent, s.gaps])).toEqual([['home-west', 0, 6], ['home-east', 66.7, 2]]);
        expect([city.required, city.covered, city.percent]).toEqual([12, 4, 33.3]);
        const east = await get(`/regions/east/coverage?at=${at}`, eastFire);
        expect(east.statusCode, east.body).toBe(200);
        expect((east.json() as RegionCoverage).sites.map((s) => s.siteId)).toEqual(['home-east']);
      });

      it('the fire department reads and changes nothing: no readings of a resident\'s bed, no timeline', async () => {
        const from = new Date(T0).toISOString();
        const to = new Date(T0 + DAY).toISOString();
        expect((await get(`/devices/bed-201/readings?from=${from}&to=${to}`, eastFire)).statusCode).toBe(403);
        expect((await get(`/devices/sd-201/status?site=home-east`, eastFire)).statusCode).toBe(200);
        expect((await get(`/sites/home-east/residents/res-201/timeline?from=${from}&to=${to}`, eastFire)).statusCode).toBe(403);
      });
    });

    describe('coverage reports: CSV and a printable page', () => {
      it('coverage.csv: one line per room and kind, Chinese by default, times on the site\'s clock', async () => {
        const response = await get(`/sites/home-east/coverage.csv?at=${new Date(T0 + 2 * DAY).toISOString()}`);
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toContain('text/csv');
        expect(response.headers['content-disposition']).toContain('coverage-home-east-2026-01-03.csv');
        const lines = response.body.replace(/^\uFEFF/, '').trim().split('\r\n');
        expect(lines).toHaveLength(7);
        expect(lines[0]).toBe('建筑,楼层,房间,房间类型,应设设备,状态,原因,设备,在线,电量,最后上报,最后自检,距自检天数');
        // Tested on day 1 at 00:00 UTC = 08:00 in Asia/Shanghai.
        expect(lines[1]).toBe('主楼,二层,201,卧室,独立式感烟探测器,已覆盖,,sd-201,是,95%,2026-01-02 08:00,2026-01-02 08:00,1');
        expect(lines[4]).toBe('主楼,二层,202,卧室,简易喷淋,缺口,未安装,,,,,,');
        const english = await get(`/sites/home-east/coverage.csv?lang=en&at=${new Date(T0 + 2 * DAY).toISOString()}`);
        expect(english.body).toContain('Building,Floor,Room');
      });

      it('the printable page names the site, the moment, the gaps and has a signature block and a print stylesheet', async () => {
        const response = await get(`/sites/home-east/coverage.html?at=${new Date(T0 + 2 * DAY).toISOString()}`);
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toContain('text/html');
        const html = response.body;
        expect(html).toContain('<html lang="zh-CN">');
        expect(html).toContain('颐养院 home-east');
        expect(html).toContain('2026-01-03 08:00');
        expect(html).toContain('66.7%');
        expect(html).toContain('检查人签字');
        expect(html).toContain('@media print');
        expect(html).toContain('从未自检');
        expect((await get(`/sites/home-east/coverage.html?lang=en`)).body).toContain('Inspector signature');
      });
    });
  });
}
