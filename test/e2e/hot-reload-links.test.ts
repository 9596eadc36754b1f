import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteFileInput } from '../../contract/index.ts';
import { waitFor } from '../helpers/e2e-devices.ts';
import { homeCopy, writeHome } from '../helpers/e2e-homes.ts';
import { storedEvents } from '../helpers/e2e-server.ts';
import { fixture } from '../helpers/gateway-harness-transports.ts';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { type SocatPair, startSocatPair } from '../helpers/socat.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 15 defect 6: a site file hot-added to a running gateway's folder starts its serial link
// (an RFLink receiver, here a socat pty) and its external Zigbee2MQTT bridge (a real mosquitto);
// an edit stops only the entry it removed; removing the file stops the rest. Before the fix links
// were built once, from the files loaded at start: the new home's fire alarms went nowhere.
describe('site links follow hot reload', () => {
  const dir = tempDir('carewatch-hot-links-');
  const folder = join(dir.path, 'homes');
  const staging = join(dir.path, 'staging');
  const home = homeCopy(folder, 41);
  const staged = join(staging, `${home.siteId}.yaml`);
  let stack: Stack;
  let broker: Mosquitto;
  let pair: SocatPair;

  const withLinks = (serial: boolean) => (f: SiteFileInput) => {
    f.devices!.push(
      { id: 'rf-smoke', profile: 'smoke-detector', roomId: 'kitchen', transport: 'rflink', rflink: { protocol: 'FA20RF', id: '97e3b2' } },
      { id: 'ext-smoke', profile: 'smoke-detector', roomId: 'living', transport: 'zigbee2mqtt', friendlyName: 'ext smoke', bridge: 'ext' },
    );
    f.bridges!.push({ name: 'ext', baseTopic: 'z2m-ext', external: { url: broker.url } });
    f.serial = serial ? [{ path: pair.gateway, framing: 'rflink' }] : [];
  };

  beforeAll(async () => {
    mkdirSync(folder);
    mkdirSync(staging);
    broker = await startMosquitto(dir.path);
    pair = await startSocatPair(join(dir.path, 'rfl-gw'), join(dir.path, 'rfl-dev'));
    writeHome(home, withLinks(true), staged);
    // The server and the credentials know the home ahead; the gateway watches the empty folder.
    stack = await startStack({ sites: [staged], gatewayOptions: { sites: [folder], watchSitesMs: 3_600_000 } });
  });

  afterAll(async () => {
    await stack?.stop();
    await pair?.stop();
    await broker?.stop();
    dir.remove();
  });

  const fires = (deviceId: string) => storedEvents(join(stack.dataDir, 'server'), { siteId: home.siteId, kind: 'fire.smoke' }).filter((e) => e.deviceId === deviceId);

  it('a hot-added home starts its serial link and external bridge; an edit and a removal stop them', async () => {
    expect(stack.gateway.status().links).toEqual({});
    writeHome(home, withLinks(true));
    await waitFor('the links to start', () => (stack.gateway.status().links[home.siteId]?.length ?? 0) === 2, 15_000);
    expect(stack.gateway.status().links[home.siteId]!.sort()).toEqual([`serial:${pair.gateway}`, 'zigbee2mqtt:ext']);

    // The RFLink receiver hears the kitchen smoke detector.
    const rx = new SerialPort({ path: pair.device, baudRate: 57600, autoOpen: false });
    await new Promise<void>((resolve, reject) => rx.open((err) => (err ? reject(err) : resolve())));
    try {
      await new Promise<void>((resolve, reject) => rx.write('20;0D;FA20RF;ID=97e3b2;SMOKEALERT=ON;\r\n', (err) => (err ? reject(err) : rx.drain(() => resolve()))));
      await waitFor('the RFLink fire on the server', () => fires('rf-smoke').length > 0, 20_000);
    } finally {
      await new Promise<void>((resolve) => rx.close(() => resolve()));
    }
    // The home's own Zigbee2MQTT, on its own broker.
    const z2m = await mqtt.connectAsync(broker.url, { clientId: 'ext-z2m', reconnectPeriod: 0 });
    try {
      await z2m.publishAsync('z2m-ext/ext smoke', fixture('zigbee2mqtt', 'z2m-001').input, { qos: 1 });
      await waitFor('the Zigbee2MQTT fire on the server', () => fires('ext-smoke').length > 0, 20_000);
    } finally {
      await z2m.endAsync();
    }

    // The serial receiver is taken out of the file: its link stops, the bridge keeps running.
    writeHome(home, withLinks(false));
    await waitFor('the serial link to stop', () => stack.gateway.status().links[home.siteId]?.join() === 'zigbee2mqtt:ext', 15_000);
    // The home is removed: nothing of it keeps running.
    rmSync(home.file);
    await waitFor('the bridge to stop', () => stack.gateway.status().links[home.siteId] === undefined, 15_000);
  }, 90_000);
});
