import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { brokerOptions } from '../../simulators/devices/mqtt-device.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAlarmSnapshot, type SiteFileInput, SirenWarningCommand, nativeTopic } from '../../contract/index.ts';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';
import { type Browser, openBrowser } from '../consoles/browser.ts';
import { waitFor } from '../helpers/e2e-devices.ts';
import { ServerView } from '../helpers/e2e-server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 15, "Local alarm page at the gateway", with real parts: real `carewatch server` and
// `carewatch gateway` processes, the server killed with SIGKILL, a smoke detector on mqtt.js,
// Debian's Chromium on the gateway's page, and an mqtt.js client standing in for Zigbee2MQTT (the
// bridge's login, subscribed to its siren's `set` topic as Zigbee2MQTT is) that receives the
// `warning` commands. The browser runs in Europe/London; the site is in Asia/Shanghai: the
// banner's time must be the site's.
const SITE = 'page-home';
const ZONE = 'Asia/Shanghai';
const SIREN = 'siren-hall';

function writeSite(dir: string): string {
  const file: SiteFileInput = {
    site: { id: SITE, name: '本地报警测试养老院', kind: 'institution', timezone: ZONE, region: { city: '杭州市', district: '西湖区', street: '北山街道', community: '宝石社区' } },
    buildings: [{ id: 'main', name: '主楼', floors: [{ id: 'f1', name: '1楼', level: 1, rooms: [{ id: 'kitchen', name: '厨房', type: 'kitchen' }, { id: 'hall', name: '大厅', type: 'corridor' }] }] }],
    devices: [{ id: 'smoke-1', profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt' }],
    bridges: [{ name: 'z2m' }],
    sounders: [{ id: 'hall-siren', name: '大厅警报器', friendlyName: SIREN, roomId: 'hall', durationSec: 300 }],
  };
  const path = join(dir, `${SITE}.json`);
  writeFileSync(path, JSON.stringify(file, null, 2));
  return path;
}

describe('the gateway\'s local alarm page and sounders while the server is unreachable', () => {
  const dir = tempDir('carewatch-alarm-page-');
  let stack: ProcessStack;
  let browser: Browser;
  let detector: MqttClient;
  let siren: MqttClient;
  let staffToken: string;
  const commands: SirenWarningCommand[] = [];

  const local = async (): Promise<LocalAlarmSnapshot> => {
    const res = await fetch(`${stack.gatewayUrl}/local/alarms`, { headers: { authorization: `Bearer ${staffToken}` } });
    expect(res.status).toBe(200);
    return LocalAlarmSnapshot.parse(await res.json());
  };
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${stack.gatewayUrl}/metrics`, { headers: { authorization: `Bearer ${staffToken}` } })).text();
    return text.split('\n').filter((l) => l.startsWith(name)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  };
  const smoke = (on: boolean) => detector.publishAsync(nativeTopic(SITE, 'smoke-1', 'state'), JSON.stringify({ smoke: on, ts: Date.now() }), { qos: 1 });
  const nextCommand = (n: number) => waitFor(`siren command #${n}`, () => commands.length >= n && commands[n - 1], 15_000);
  const page = () => browser.page;

  beforeAll(async () => {
    stack = new ProcessStack({ siteFiles: [writeSite(dir.path)] });
    await stack.start();
    const tokenFile = join(stack.dataDir, 'gateway', 'gateway-staff-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    staffToken = readFileSync(tokenFile, 'utf8').trim();
    const d = stack.creds.devices.find((c) => c.deviceId === 'smoke-1')!;
    detector = await mqtt.connectAsync(stack.mqttBroker.url, brokerOptions(stack.mqttBroker, { username: d.mqttUsername!, password: d.mqttPassword!, clientId: 'smoke-1', reconnectPeriod: 0 }));
    const b = stack.creds.bridges.find((x) => x.siteId === SITE)!;
    siren = await mqtt.connectAsync(stack.mqttBroker.url, brokerOptions(stack.mqttBroker, { username: b.mqttUsername, password: b.mqttPassword, clientId: 'z2m-siren', reconnectPeriod: 0 }));
    siren.on('message', (_topic, payload) => commands.push(SirenWarningCommand.parse(JSON.parse(payload.toString()))));
    // The siren reports its state as Zigbee2MQTT does: the gateway takes it as its sounder's, not an unknown device.
    await siren.publishAsync(`zigbee2mqtt/${SIREN}`, JSON.stringify({ battery: 100, linkquality: 120 }), { qos: 1 });
    await siren.subscribeAsync(`zigbee2mqtt/${SIREN}/set`, { qos: 1 });
    browser = await openBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await detector?.endAsync();
    await siren?.endAsync();
    await stack?.stop();
    dir.remove();
  });

  it('refuses a missing or wrong staff token, and counts each refusal', async () => {
    const before = await metric('carewatch_gateway_http_refused_total');
    expect((await fetch(`${stack.gatewayUrl}/local/alarms`)).status).toBe(401);
    expect((await fetch(`${stack.gatewayUrl}/local/alarms`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    expect((await fetch(`${stack.gatewayUrl}/local/stream`, { headers: { cookie: 'carewatch_staff=wrong' } })).status).toBe(401);
    const signIn = await fetch(`${stack.gatewayUrl}/alarms/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'wrong' }) });
    expect(signIn.status).toBe(401);
    expect(signIn.headers.get('set-cookie')).toBeNull();
    // The technician's status page and the metrics answer to the same token (issue 16).
    expect((await fetch(`${stack.gatewayUrl}/status.json`)).status).toBe(401);
    expect((await fetch(`${stack.gatewayUrl}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const statusPage = await fetch(`${stack.gatewayUrl}/`, { redirect: 'manual' });
    expect([statusPage.status, statusPage.headers.get('location')]).toEqual([302, '/alarms']);
    expect((await fetch(`${stack.gatewayUrl}/status.json`, { headers: stack.gatewayHeaders })).status).toBe(200);
    expect(await metric('carewatch_gateway_http_refused_total')).toBe(before + 7);
    // The siren's own state message (beforeAll) was taken as the sounder's: nothing unknown counted.
    expect(await metric('carewatch_unregistered_messages_total')).toBe(0);
    expect(await metric('carewatch_rejected_total')).toBe(0);

    // The page's form: a wrong token is said so, the right one signs in (HttpOnly cookie).
    await page().goto(`${stack.gatewayUrl}/alarms`);
    await page().fill('#token', 'not-the-token');
    await page().click('#sign-in button[type="submit"]');
    await page().waitForSelector('#wrong');
    await page().fill('#token', staffToken);
    await page().click('#sign-in button[type="submit"]');
    await page().waitForSelector('#none');
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'carewatch_staff')!;
    expect(cookie.httpOnly).toBe(true);
    expect(await page().evaluate(() => document.cookie)).toBe('');
    expect(await page().locator('#banner').count()).toBe(0);
    await browser.screenshot('gateway-alarm-page-signed-in');
  });

  it('sets off no sounder while the server answers', async () => {
    const view = new ServerView(stack.serverUrl, stack.creds.users.find((u) => u.role === 'admin' || u.role === 'staff')!.token);
    await smoke(true);
    await waitFor('the fire on the server', async () => (await view.alarmsOf(SITE, { deviceId: 'smoke-1', kind: 'fire.smoke' })).length === 1);
    await page().waitForSelector('#alarms tr[data-kind="fire.smoke"]');
    await smoke(false);
    await waitFor('the fire cleared on the server', async () => (await view.alarmsOf(SITE, { deviceId: 'smoke-1', kind: 'fire.smoke' }))[0]?.clearedAt != null);
    await page().waitForSelector('#none');
    // Absence proven by what follows: the siren's first command (next test) is the one for the
    // fire raised after the server is gone; a command for this fire would have come before it.
    expect((await local()).sounders).toMatchObject([{ id: 'hall-siren', sounding: false, since: null }]);
  });

  it('with the server killed: shows the fire and the banner in the site\'s time, sounds, and sets off the siren', async () => {
    await stack.kill9('server');
    await smoke(true);
    const first = await nextCommand(1);
    expect(first).toEqual({ warning: { mode: 'fire', level: 'very_high', strobe: true, duration: 300 } });
    const snap = await local();
    expect(snap.unreachableSince).not.toBeNull();
    expect(snap.alarms).toMatchObject([{ kind: 'fire.smoke', severity: 'critical', room: '厨房', siteName: '本地报警测试养老院', silencedAt: null }]);
    expect(snap.sounders).toMatchObject([{ id: 'hall-siren', sounding: true, mode: 'fire' }]);

    await page().waitForSelector('#alarms tr[data-kind="fire.smoke"]');
    const banner = await page().locator('#banner').textContent();
    const since = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(snap.unreachableSince!);
    expect(banner).toContain('服务器');
    expect(banner).toContain(since);
    expect(await page().locator('#sounders').textContent()).toContain('大厅警报器');
    // The click at sign-in unlocked sound: the critical burst is scheduled (consoles/lib/tones.ts).
    await page().waitForSelector('body[data-tone="critical"]');
    expect(await metric('carewatch_local_sounders_sounding')).toBe(1);
    await browser.screenshot('gateway-alarm-page-server-unreachable');

    // English on request, the same banner time.
    await page().click('#lang');
    expect(await page().locator('#banner').textContent()).toContain('Server unreachable since');
    await page().click('#lang');
  });

  it('stops the siren when staff silence the alarm here, which is not an acknowledgement', async () => {
    await page().click('#alarms tr[data-kind="fire.smoke"] button.silence');
    expect(await nextCommand(2)).toMatchObject({ warning: { mode: 'stop' } });
    await page().waitForSelector('#alarms tr[data-kind="fire.smoke"] .silenced');
    expect(await page().locator('#local-note').textContent()).toContain('不是服务器上的确认');
    const snap = await local();
    expect(snap.alarms[0]!.silencedAt).not.toBeNull();
    expect(snap.sounders[0]!.sounding).toBe(false);
    expect(commands).toHaveLength(2);
  });

  it('sets it off again for a new fire and stops it when the fire clears', async () => {
    await smoke(false);
    await page().waitForSelector('#none');
    await smoke(true);
    expect(await nextCommand(3)).toMatchObject({ warning: { mode: 'fire' } });
    await smoke(false);
    expect(await nextCommand(4)).toMatchObject({ warning: { mode: 'stop' } });
    await page().waitForSelector('#none');
    expect((await local()).sounders[0]!.sounding).toBe(false);
    expect(await metric('carewatch_local_sounder_commands_total')).toBe(4);
  });
});
