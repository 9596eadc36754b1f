import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatchListener } from '../../gateway/watch/watch-listener.ts';
import { IwWatchSim, WatchSim } from '../../simulators/devices/watch-sim.ts';
import { HOME, type HomeHarness, eventually, homeHarness } from '../helpers/gateway-harness-home.ts';

/**
 * "IW" watches (`IWAP…#`, fixture README §4) on the same port as "3G*" ones: the first frame
 * start picks the protocol per connection; only the AP00 login names the watch.
 */
const FIXTURES = readFileSync(new URL('../fixtures/watch-4g/cases.jsonl', import.meta.url), 'utf8')
  .trim().split('\n').map((l) => JSON.parse(l) as { id: string; input: string });
const IW_SOS = FIXTURES.find((f) => f.id === 'watch-023-iw-sos')!.input;
const IW_TEMP_BATTERY = FIXTURES.find((f) => f.id === 'watch-027-iw-temp-battery')!.input;

let h: HomeHarness;
let listener: WatchListener;
let address: { host: string; port: number };
const open: Array<{ close(): void }> = [];

beforeEach(async () => {
  h = homeHarness();
  listener = new WatchListener({ host: '127.0.0.1', port: 0, registry: h.registry, rejections: h.rejections, metrics: h.metrics, log: h.log });
  address = await listener.start();
});

afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await listener.stop();
  h.close();
});

async function iw(imei: string = HOME.iwImei): Promise<IwWatchSim> {
  const sim = await new IwWatchSim(imei).connect(address.host, address.port);
  open.push(sim);
  return sim;
}

describe('IW watches', () => {
  it('answers the AP00 login with the site-local time and zone (+8 for Asia/Shanghai)', async () => {
    const sim = await iw();
    sim.login();
    const reply = await sim.waitForReply('IWBP00');
    expect(reply).toMatch(/^IWBP00,\d{14},8$/);
    expect(h.readings).toEqual([expect.objectContaining({ type: 'availability', online: true, deviceId: HOME.iwDeviceId })]);
  });

  it('the fixture AP10 with alarm 01 raises wearable.sos for the logged-in watch and is answered IWBP10', async () => {
    const sim = await iw();
    sim.login();
    sim.sendFrame(IW_SOS);
    await sim.waitForReply('IWBP10');
    expect(h.events('life_safety').map((e) => [e.deviceId, e.kind])).toEqual([[HOME.iwDeviceId, 'wearable.sos']]);
  });

  it('the simulator\'s own AP10 fall (alarm code 05, encoded by the IW codec) raises wearable.fall, answered IWBP10', async () => {
    const sim = await iw();
    sim.login();
    sim.sendAlarm({ fall: true }, Date.now(), { latitude: 31.2304, longitude: 121.4737, battery: 64 });
    await sim.waitForReply('IWBP10');
    expect(h.events('life_safety').map((e) => [e.deviceId, e.kind])).toEqual([[HOME.iwDeviceId, 'wearable.fall']]);
  });

  it('a battery report after login is a state reading of that watch', async () => {
    const sim = await iw();
    sim.login();
    sim.sendFrame(IW_TEMP_BATTERY);
    await sim.waitForReply('IWBP50');
    expect(h.readings.at(-1)).toMatchObject({ type: 'state', deviceId: HOME.iwDeviceId, fields: { battery: 90 } });
  });

  it('frames before the login name no watch: refused as unknown_device, unanswered', async () => {
    const sim = await iw();
    sim.sendFrame(IW_SOS);
    await eventually(() => h.rejections.total('watch3g', 'unknown_device') === 1, 'the refusal counted');
    expect(sim.replies).toEqual([]);
    expect(h.events()).toEqual([]);
  });

  it('an unknown IMEI is refused and its later frames too', async () => {
    const sim = await iw('860000000000999');
    sim.login();
    sim.sendFrame(IW_SOS);
    await eventually(() => h.rejections.total('watch3g', 'unknown_device') === 2, 'both refusals counted');
    expect(sim.replies).toEqual([]);
    expect(h.readings).toEqual([]);
  });

  it('"3G*" and "IW" watches share the port', async () => {
    const a = await iw();
    const b = await new WatchSim({ deviceId: HOME.watchId }).connect(address.host, address.port);
    open.push(b);
    a.login();
    b.sendLK();
    await a.waitForReply('IWBP00');
    await b.waitForReply('LK');
    expect(h.metrics.value('carewatch_watch_frames_total', { protocol: 'iw', kind: 'login' })).toBe(1);
    expect(h.metrics.value('carewatch_watch_frames_total', { protocol: 'watch3g', kind: 'keepalive' })).toBe(1);
  });
});
