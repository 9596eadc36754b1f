import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmChange } from '../../contract/index.ts';
import { WatchSim } from '../../simulators/devices/watch-sim.ts';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';
import { waitFor } from '../helpers/e2e-devices.ts';
import { homeFileInput } from '../helpers/e2e-homes.ts';
import { SseClient, type SseMessage } from '../helpers/sse-client.ts';
import { DEMO_SITE } from '../helpers/stack.ts';

// Issue 17, must show: "A test that adds a home with `carewatch admin` while server and gateway
// run; its watch SOS reaches the district call centre's stream within 5 s, and nobody outside the
// district sees it." Real `carewatch server`, `carewatch gateway` and `carewatch admin` processes;
// the gateway pulls the new homes from the server (no site file, no restart).
const ROOT = resolve(import.meta.dirname, '../..');
const REGIONS = join(ROOT, 'simulators/demo/regions.yaml');
const DEADLINE_MS = 5000;

const HOMES = {
  east: { siteId: 'home-e2e-east', watchId: '6907900001', region: { city: '杭州市', district: '上城区', street: '湖滨街道', community: '东坡路社区' } },
  west: { siteId: 'home-e2e-west', watchId: '6907900002', region: { city: '杭州市', district: '西湖区', street: '北山街道', community: '宝石社区' } },
};

describe('provisioning a home with carewatch admin while server and gateway run', () => {
  let stack: ProcessStack;
  const streams: Record<'east' | 'west', SseClient> = {} as never;
  let sessionFile: string;

  /** `carewatch admin …` as a person types it; resolves with its exit status and output. */
  const admin = (...args: string[]): Promise<{ code: number; out: string; err: string }> => new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'carewatch.mjs'), 'admin', ...args, '--server', stack.serverUrl, '--session-file', sessionFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('exit', (code) => done({ code: code ?? -1, out, err }));
  });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await admin(...args);
    expect(r.code, `carewatch admin ${args.join(' ')}: ${r.err}`).toBe(0);
    return r.out;
  };
  const signIn = async (username: string, password: string): Promise<string> => {
    const res = await fetch(`${stack.serverUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    stack = new ProcessStack({ siteFiles: [DEMO_SITE] });
    await stack.start();
    sessionFile = join(stack.dataDir, 'admin-session');
    // The first administrator's generated password (server/services/identity/bootstrap-admin.ts).
    await ok('login', '--user', 'admin', '--password-file', join(stack.dataDir, 'server', 'initial-admin-password'));
    expect(await ok('region', 'import', REGIONS)).toContain('"added":13');
    // The desks through the same admin API the command uses (each `carewatch admin` run costs a process start).
    const root = readFileSync(sessionFile, 'utf8').trim();
    for (const [desk, district] of [['east-desk', 'hz-shangcheng'], ['west-desk', 'hz-xihu']] as const) {
      const password = `${desk} password for the test`;
      const put = await fetch(`${stack.serverUrl}/api/v1/admin/users/${desk}`, {
        method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${root}` },
        body: JSON.stringify({ role: 'callcentre', grant: { regions: [district] }, password }),
      });
      expect(put.status).toBe(200);
      const side = desk.startsWith('east') ? 'east' : 'west';
      streams[side] = new SseClient(`${stack.serverUrl}/api/v1/stream`, { authorization: `Bearer ${await signIn(desk, password)}` });
      await streams[side].open();
      expect(streams[side].status).toBe(200);
    }
  }, 240_000);

  afterAll(async () => {
    for (const s of Object.values(streams)) s?.close();
    await stack?.stop();
  });

  const sosOf = (siteId: string) => (m: SseMessage) => {
    if (m.event !== undefined || m.id === undefined) return false;
    const c = AlarmChange.parse(JSON.parse(m.data));
    return c.change === 'raised' && c.alarm.siteId === siteId && c.alarm.kind === 'wearable.sos';
  };

  /** Adds the home with `carewatch admin site put`, then waits until the gateway answers its watch. */
  async function addHome(side: 'east' | 'west'): Promise<WatchSim> {
    const home = HOMES[side];
    const file = join(stack.dataDir, `${home.siteId}.yaml`);
    writeFileSync(file, toYaml(homeFileInput({ siteId: home.siteId, watchId: home.watchId, platformDeviceId: `8612340${home.watchId}`, baseTopic: `z2m-${home.siteId}`, file }, (f) => {
      f.site.region = home.region;
    })));
    expect(await ok('site', 'put', file, '--gateway', 'gw-demo')).toContain(`added site ${home.siteId}`);
    // The gateway has applied the home once its watch's link frame is answered (an unknown watch's is not).
    return waitFor(`the gateway to answer ${home.siteId}'s watch`, async () => {
      const sim = await new WatchSim({ deviceId: home.watchId }).connect('127.0.0.1', stack.ports.watch);
      try {
        sim.sendLK();
        await sim.waitForReply('LK', { timeoutMs: 500 });
        return sim;
      } catch {
        sim.close();
        return undefined;
      }
    }, 20_000, 200);
  }

  it("the home's watch SOS reaches the district call centre's stream within 5 s; the other district never sees it", async () => {
    const east = await addHome('east');
    const sentAt = Date.now();
    east.sendAlarm({ sos: true }, { latitude: 30.25, longitude: 120.16, battery: 80 });
    const seen = await streams.east.next(sosOf(HOMES.east.siteId), DEADLINE_MS);
    expect(Date.now() - sentAt).toBeLessThan(DEADLINE_MS);
    expect(AlarmChange.parse(JSON.parse(seen.data)).alarm).toMatchObject({ severity: 'critical', deviceId: 'watch', residentId: 'r1' });
    east.close();

    // Absence, proven by what must come after it: the west desk sees its own home's SOS, raised
    // after the east one, and never the east one.
    const west = await addHome('west');
    west.sendAlarm({ sos: true }, { latitude: 30.26, longitude: 120.15, battery: 80 });
    await streams.west.next(sosOf(HOMES.west.siteId), DEADLINE_MS);
    west.close();
    expect(streams.west.messages.filter(sosOf(HOMES.east.siteId))).toEqual([]);
    expect(streams.east.messages.filter(sosOf(HOMES.west.siteId))).toEqual([]);
  }, 120_000);

  it('a typo in a carewatch admin command is one line and exit 2', async () => {
    const r = await admin('site', 'lsit');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual(['carewatch admin: unknown command "site lsit" (see carewatch admin --help)']);
  }, 60_000);
});
