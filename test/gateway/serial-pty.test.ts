import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { decodeGb26875Frame, encodeComponentStatusData, encodeGb26875Frame } from '../../devices/codecs/gb26875/index.ts';
import { encodeRflinkLine } from '../../devices/codecs/rflink/index.ts';
import { SerialLink } from '../../gateway/serial/serial-link.ts';
import {
  type TransportHarness, createTransportHarness, eventsOf, fixture, waitFor,
} from '../helpers/gateway-harness-transports.ts';
import { type SocatPair, startSocatPair } from '../helpers/socat.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import type { Event } from '../../contract/index.ts';
import { compileScenario } from '../../simulators/scenario/compile-scenario.ts';
import { scenarioFrom } from '../../simulators/scenario/load-scenario.ts';
import { DEFAULT_SITE_INPUT } from './core/site-fixture.ts';

/**
 * The real thing end to end: a socat pty pair stands in for the USB receiver, SerialLink opens
 * one end with node-serialport's native binding, the test plays the receiver on the other end.
 */

/** The receiver's side of the cable, with everything the gateway wrote to it. */
async function openDeviceEnd(path: string) {
  const port = new SerialPort({ path, baudRate: 57600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let received = Buffer.alloc(0);
  port.on('data', (chunk: Buffer) => { received = Buffer.concat([received, chunk]); });
  port.on('error', () => { /* the cable going away in the test */ });
  return {
    received: () => received,
    write: (data: Buffer | string) => new Promise<void>((resolve, reject) => {
      port.write(data, (err) => (err ? reject(err) : port.drain(() => resolve())));
    }),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

const dir = tempDir('carewatch-pty-');
let h: TransportHarness | undefined;
let link: SerialLink | undefined;
const pairs: SocatPair[] = [];
const devices: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  for (const d of devices.splice(0)) await d.close();
  await link?.stop();
  link = undefined;
  for (const p of pairs.splice(0)) await p.stop();
  h?.close();
  h = undefined;
});

afterAll(() => dir.remove());

async function socat(name: string): Promise<SocatPair> {
  const pair = await startSocatPair(join(dir.path, `${name}-gw`), join(dir.path, `${name}-dev`));
  pairs.push(pair);
  return pair;
}

function startLink(harness: TransportHarness, path: string, framing: 'rflink' | 'gb26875'): SerialLink {
  link = new SerialLink({
    siteId: harness.siteId,
    config: { path, framing, baudRate: 57600 },
    registry: harness.registry,
    rejections: harness.rejections,
    metrics: harness.metrics,
    log: harness.log,
    retryMinMs: 20,
    retryMaxMs: 100,
  });
  return link;
}

describe('SerialLink on a real pty (socat)', () => {
  it('RFLink: raises fire.smoke from the receiver, reports the link down when it is unplugged and up when it is back', async () => {
    const pair = await socat('rflink');
    h = createTransportHarness({
      devices: [
        { id: 'smoke-kitchen', profile: 'smoke-detector', roomId: 'kitchen', transport: 'rflink', rflink: { protocol: 'FA20RF', id: '97e3b2' } },
        { id: 'call-101', profile: 'call-button', roomId: 'room-101', residentId: 'ann', transport: 'rflink', rflink: { protocol: 'EV1527', id: '01e9f5', switch: '0b' } },
      ],
      serial: [{ path: pair.gateway, framing: 'rflink' }],
    });
    const harness = h;
    const serial = startLink(harness, pair.gateway, 'rflink');
    await serial.start();
    expect(serial.isUp).toBe(true);
    const linkName = `serial:${pair.gateway}`;

    let device = await openDeviceEnd(pair.device);
    devices.push(device);
    await device.write('20;00;Nodo RadioFrequencyLink - RFLink Gateway V1.1 - R46;\r\n20;0D;FA20RF;ID=97');
    await device.write(`e3b2;SMOKEALERT=ON;\r\n`);
    const smoke = await waitFor('fire.smoke', () => eventsOf(harness.events(), 'fire.smoke', 'device:smoke-kitchen')[0]);
    expect(smoke).toMatchObject({ action: 'raise', source: { transport: 'rflink', link: linkName } });

    // Unplugged: socat gone, both pty ends hang up.
    await device.close();
    await pairs.pop()!.stop();
    await waitFor('link down', () => harness.links.find((l) => !l.up));
    expect(eventsOf(harness.events(), 'device.offline', `link:${linkName}`).map((e) => e.action)).toEqual(['raise']);

    // Plugged back in at the same path.
    const again = await socat('rflink');
    await waitFor('link up again', () => serial.isUp, 3000);
    expect(harness.links.map((l) => [l.link, l.up])).toEqual([[linkName, true], [linkName, false], [linkName, true]]);
    expect(eventsOf(harness.events(), 'device.offline', `link:${linkName}`).map((e) => e.action)).toEqual(['raise', 'clear']);

    device = await openDeviceEnd(again.device);
    devices.push(device);
    await device.write(encodeRflinkLine({ protocol: 'EV1527', id: '01e9f5', switch: '0b', cmd: 'ON' }, 0x53));
    await waitFor('call.button through the reopened port', () => eventsOf(harness.events(), 'call.button', 'device:call-101')[0]);
  });

  it('GB/T 26875.3: raises fire.smoke from the panel\'s frames and writes the confirm back on the line', async () => {
    const pair = await socat('gb');
    h = createTransportHarness({
      devices: [
        { id: 'smoke-corridor', profile: 'smoke-detector', roomId: 'corridor', transport: 'gb26875', gb26875: { systemAddress: 3, componentAddress: 393433 } },
        { id: 'smoke-101', profile: 'smoke-detector', roomId: 'room-101', transport: 'gb26875', gb26875: { systemAddress: 1, componentAddress: 42 } },
      ],
      serial: [{ path: pair.gateway, framing: 'gb26875' }],
    });
    const harness = h;
    await startLink(harness, pair.gateway, 'gb26875').start();
    const device = await openDeviceEnd(pair.device);
    devices.push(device);

    const golden = Buffer.from(fixture('gb26875', 'gb-001').input, 'hex');
    // A second panel upload built with the codec's own encoders: smoke detector 42 of system 1 in alarm.
    const built = encodeGb26875Frame({
      serial: 7,
      time: Date.now(),
      source: 0x0a0b0c0d0e0f,
      destination: 0,
      command: 2,
      appData: encodeComponentStatusData([{
        systemType: 1, systemAddress: 1, componentType: 42, componentAddress: 42,
        status: { normal_running: true, fire_alarm: true }, description: '2层201房', time: Date.now(),
      }]),
    });
    await device.write(Buffer.concat([Buffer.from('noise'), golden, built]));

    await waitFor('two fire.smoke', () => eventsOf(harness.events(), 'fire.smoke').length === 2);
    expect(eventsOf(harness.events(), 'fire.smoke').map((e) => [e.subject, e.action, e.source?.transport])).toEqual([
      ['device:smoke-corridor', 'raise', 'gb26875'], ['device:smoke-101', 'raise', 'gb26875'],
    ]);
    expect(harness.rejections.total('gb26875', 'noise')).toBe(1);

    await waitFor('both confirms', () => device.received().length >= 2 * 30);
    const first = decodeGb26875Frame(device.received().subarray(0, 30));
    const second = decodeGb26875Frame(device.received().subarray(30, 60));
    expect(first.ok && [first.value.command, first.value.serial, first.value.destination]).toEqual([3, 0, 0]);
    expect(second.ok && [second.value.command, second.value.serial, second.value.destination]).toEqual([3, 7, 0x0a0b0c0d0e0f]);
  });
});

describe('the scenario simulator on a real pty (what `sim scenario --socat` writes)', () => {
  it('RFLink lines and GB/T 26875.3 frames encoded by the simulators reach SerialLink and raise what the story says', async () => {
    const rf = await socat('sim-rflink');
    const gb = await socat('sim-gb');
    const devicesOfSite = [
      { id: 'smoke-kitchen', profile: 'smoke-detector', roomId: 'kitchen', transport: 'rflink', rflink: { protocol: 'FA20RF', id: '97e3b2' } },
      { id: 'call-101', profile: 'call-button', roomId: 'room-101', residentId: 'ann', transport: 'rflink', rflink: { protocol: 'EV1527', id: '01e9f5', switch: '0b' } },
      { id: 'smoke-corridor', profile: 'smoke-detector', roomId: 'corridor', transport: 'gb26875', gb26875: { systemAddress: 3, componentAddress: 393433 } },
    ] as const;
    const serial = [{ path: rf.gateway, framing: 'rflink' as const }, { path: gb.gateway, framing: 'gb26875' as const }];
    h = createTransportHarness({ devices: [...devicesOfSite], serial });
    const harness = h;
    const links = serial.map((p) => new SerialLink({
      siteId: harness.siteId, config: { ...p, baudRate: 57600 }, registry: harness.registry, rejections: harness.rejections,
      metrics: harness.metrics, log: harness.log, retryMinMs: 20, retryMaxMs: 100,
    }));
    for (const l of links) await l.start();
    try {
      // The same site as the scenario's own (inline), and three story steps, compiled as a real run compiles them.
      const s = scenarioFrom({
        name: 'serial devices',
        sites: [{ site: { ...DEFAULT_SITE_INPUT.site, id: harness.siteId, name: 'Transport test home' }, buildings: DEFAULT_SITE_INPUT.buildings,
          residents: [{ id: 'ann', name: 'Ann', roomId: 'room-101' }], devices: devicesOfSite, serial }],
        from: '08:00',
        steps: ['08:00:01 smoke-kitchen smoke=true', '08:00:02 call-101 action=emergency', '08:00:03 smoke-corridor smoke=true'],
      }, dir.path);
      const inputs = compileScenario(s).filter((i) => i.step >= 0);
      expect(inputs.map((i) => i.message.via)).toEqual(['serial', 'serial', 'serial']);
      for (const input of inputs) {
        if (input.message.via !== 'serial') continue;
        const end = input.message.port === rf.gateway ? rf.device : gb.device;
        const fd = openSync(end, 'w');
        writeSync(fd, Buffer.from(input.message.bytes, 'base64'));
        closeSync(fd);
      }
      const raised = (kind: Event['kind'], device: string) => eventsOf(harness.events(), kind, `device:${device}`).find((e) => e.action === 'raise');
      await waitFor('the three alarms', () => raised('fire.smoke', 'smoke-kitchen') && raised('call.button', 'call-101') && raised('fire.smoke', 'smoke-corridor'));
      expect(raised('fire.smoke', 'smoke-corridor')?.source).toEqual({ transport: 'gb26875', link: `serial:${gb.gateway}` });
      expect(harness.rejections.total('rflink', 'bad_frame') + harness.rejections.total('gb26875', 'bad_checksum')).toBe(0);
    } finally {
      for (const l of links) await l.stop();
    }
  });
});
