import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { decodeGb26875Frame, encodeComponentStatusData, encodeGb26875Frame } from '../../devices/codecs/gb26875/index.ts';
import { encodeRflinkLine } from '../../devices/codecs/rflink/index.ts';
import { ExternalZ2mBridge } from '../../gateway/bridge/external-z2m-bridge.ts';
import { SerialLink } from '../../gateway/serial/serial-link.ts';
import { type TransportHarness, createTransportHarness, eventsOf, fixture, waitFor } from '../helpers/gateway-harness-transports.ts';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { type SocatPair, startSocatPair } from '../helpers/socat.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 15 defect 2: a fire panel's alarm is never dropped, and an alarm-bearing message from an
// unregistered device of a known link never ends in nothing. Real socat ptys with node-serialport,
// a real mosquitto, real SQLite.
const dir = tempDir('carewatch-unregistered-');
let h: TransportHarness | undefined;
const stops: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
  h?.close();
  h = undefined;
});
afterAll(() => dir.remove());

async function deviceEnd(path: string) {
  const port = new SerialPort({ path, baudRate: 57600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let received = Buffer.alloc(0);
  port.on('data', (chunk: Buffer) => { received = Buffer.concat([received, chunk]); });
  port.on('error', () => undefined);
  stops.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  return {
    received: () => received,
    write: (data: Buffer | string) => new Promise<void>((resolve, reject) => port.write(data, (err) => (err ? reject(err) : port.drain(() => resolve())))),
  };
}

async function serialLink(harness: TransportHarness, name: string, framing: 'rflink' | 'gb26875') {
  const pair: SocatPair = await startSocatPair(join(dir.path, `${name}-gw`), join(dir.path, `${name}-dev`));
  stops.push(() => pair.stop());
  const link = new SerialLink({
    siteId: harness.siteId, config: { path: pair.gateway, framing, baudRate: 57600 }, registry: harness.registry,
    rejections: harness.rejections, metrics: harness.metrics, log: harness.log, retryMinMs: 20, retryMaxMs: 100,
  });
  stops.push(() => link.stop());
  await link.start();
  return { pair, link };
}

/** A panel upload: component `componentAddress` of system 1 in fire alarm (GB/T 26875.3 8.2.1.2, type 2). */
function fireFrame(serial: number, componentAddress: number, fire = true): Buffer {
  return encodeGb26875Frame({
    serial, time: Date.now(), source: 0x0a0b0c0d0e0f, destination: 0, command: 2,
    appData: encodeComponentStatusData([{
      systemType: 1, systemAddress: 1, componentType: 42, componentAddress,
      status: { normal_running: true, fire_alarm: fire }, description: '3层储藏室', time: Date.now(),
    }]),
  });
}

describe('GB/T 26875.3: a fire from a point the site file does not list', () => {
  it('is raised against the panel and confirmed only once durable', async () => {
    h = createTransportHarness({
      devices: [
        { id: 'panel-1', name: '1号火灾报警控制器', profile: 'smoke-detector', roomId: 'corridor', transport: 'gb26875', gb26875: { systemAddress: 1, componentAddress: 0 } },
        { id: 'smoke-101', profile: 'smoke-detector', roomId: 'room-101', transport: 'gb26875', gb26875: { systemAddress: 1, componentAddress: 42 } },
      ],
    });
    const harness = h;
    const { pair } = await serialLink(harness, 'gb', 'gb26875');
    const panel = await deviceEnd(pair.device);

    // The store fails (another writer holds the database): no confirm goes back.
    const locker = new Database(join(harness.db.name));
    stops.push(() => { if (locker.inTransaction) locker.exec('ROLLBACK'); locker.close(); });
    locker.exec('BEGIN EXCLUSIVE');
    await panel.write(fireFrame(11, 777));
    await waitFor('the frame not stored', () => harness.metrics.value('carewatch_serial_frames_total', { link: `serial:${pair.gateway}`, outcome: 'not_stored' }) > 0, 15_000);
    locker.exec('COMMIT');
    // The panel repeats what was not confirmed.
    await panel.write(fireFrame(11, 777));
    await waitFor('the confirm', () => panel.received().length >= 30, 5000);
    expect(panel.received().length).toBe(30);
    const confirm = decodeGb26875Frame(panel.received());
    expect(confirm.ok && [confirm.value.command, confirm.value.serial]).toEqual([3, 11]);

    const subject = 'device:panel-1/gb:1:777';
    const fire = eventsOf(harness.events(), 'fire.smoke', subject);
    expect(fire).toEqual([expect.objectContaining({
      action: 'raise', severity: 'critical', lane: 'life_safety', deviceId: 'panel-1', roomId: 'corridor',
      details: expect.objectContaining({ unregistered: true, systemAddress: 1, componentAddress: 777, description: '3层储藏室', panel: '1号火灾报警控制器' }),
    })]);
    // The point's restore clears its own alarm.
    await panel.write(fireFrame(12, 777, false));
    await waitFor('the clear', () => eventsOf(harness.events(), 'fire.smoke', subject).length === 2);
    expect(eventsOf(harness.events(), 'fire.smoke', subject).map((e) => e.action)).toEqual(['raise', 'clear']);
    expect(harness.metrics.value('carewatch_unregistered_messages_total', { transport: 'gb26875', alarm: 'yes' })).toBeGreaterThanOrEqual(1);
  }, 30_000);
});

describe('every link: an alarm from an unregistered device raises device.unregistered naming it', () => {
  it('RFLink: an unknown ID that transmits ON', async () => {
    h = createTransportHarness({ devices: [] });
    const harness = h;
    const { pair } = await serialLink(harness, 'rfl', 'rflink');
    const rx = await deviceEnd(pair.device);
    await rx.write(encodeRflinkLine({ protocol: 'EV1527', id: '0a1b2c', switch: '01', cmd: 'ON' }, 0x10));
    const e = await waitFor('device.unregistered', () => eventsOf(harness.events(), 'device.unregistered')[0], 5000);
    expect(e).toMatchObject({ subject: 'device:rflink:ev1527:0a1b2c:01', action: 'raise', details: expect.objectContaining({ alarm: 'CMD=ON', link: `serial:${pair.gateway}` }) });
    expect(String(e.details?.label)).toContain('EV1527 ID=0a1b2c');
    expect(harness.metrics.value('carewatch_unregistered_messages_total', { transport: 'rflink', alarm: 'yes' })).toBe(1);
  });

  it('Zigbee2MQTT: a friendly name no site has, publishing smoke', async () => {
    const broker: Mosquitto = await startMosquitto(dir.path);
    stops.push(() => broker.stop());
    h = createTransportHarness({ devices: [], bridges: [{ name: 'zigbee2mqtt', external: { url: broker.url } }] });
    const harness = h;
    const bridge = new ExternalZ2mBridge({
      siteId: harness.siteId, bridge: harness.registry.get(harness.siteId)!.site.file.bridges[0]!, registry: harness.registry,
      rejections: harness.rejections, metrics: harness.metrics, log: harness.log, reconnectMinMs: 20, reconnectMaxMs: 200,
    });
    stops.push(() => bridge.stop());
    await bridge.start();
    const z2m = await mqtt.connectAsync(broker.url, { clientId: 'z2m-test', reconnectPeriod: 0 });
    stops.push(() => z2m.endAsync(true));
    await z2m.publishAsync('zigbee2mqtt/attic smoke', fixture('zigbee2mqtt', 'z2m-001').input, { qos: 1 });
    const e = await waitFor('device.unregistered', () => eventsOf(harness.events(), 'device.unregistered')[0], 5000);
    expect(e).toMatchObject({ subject: 'device:z2m:attic smoke', severity: 'critical', lane: 'life_safety', details: expect.objectContaining({ alarm: 'smoke' }) });
  });
});
