import { afterEach, describe, expect, it } from 'vitest';
import { SerialPortMock } from 'serialport';
import { decodeGb26875Frame } from '../../devices/codecs/gb26875/index.ts';
import { encodeRflinkLine } from '../../devices/codecs/rflink/index.ts';
import { Backoff } from '../../contract/backoff.ts';
import { SerialLink } from '../../gateway/serial/serial-link.ts';
import {
  type TransportHarness, createTransportHarness, eventsOf, fixture, waitFor,
} from '../helpers/gateway-harness-transports.ts';

type MockPort = Awaited<ReturnType<typeof SerialPortMock.binding.open>>;

const RFLINK_PATH = '/dev/mock-rflink';
const GB_PATH = '/dev/mock-gb';

/** SerialPortMock's binding, keeping each port it opens so the test can play the device. */
function trackingBinding() {
  const base = SerialPortMock.binding;
  const opened: MockPort[] = [];
  const binding: typeof base = {
    ...base,
    open: async (options) => {
      const port = await base.open(options);
      opened.push(port);
      return port;
    },
  };
  return { binding, opened, current: () => opened.at(-1)! };
}

/**
 * What unplugging a USB receiver looks like to node-serialport: the pending read fails with an
 * I/O error (not a cancel), and the stream closes with a DisconnectedError.
 */
async function unplug(port: MockPort): Promise<void> {
  const internals = port as unknown as { pendingRead: ((err?: Error) => void) | null; read: MockPort['read'] };
  await waitFor('a read pending on the mock port', () => internals.pendingRead !== null);
  internals.read = () => Promise.reject(new Error('EIO: i/o error'));
  internals.pendingRead!(new Error('EIO: i/o error'));
}

/**
 * The link has been given every byte emitted so far: the port's buffer is empty and the stream
 * asked for more. node-serialport emits a read's 'data' (which the link handles synchronously)
 * before it issues the next read, so a pending read is an event that must follow the handling.
 */
async function allRead(port: MockPort): Promise<void> {
  const internals = port as unknown as { pendingRead: unknown; port: { data: Buffer } };
  await waitFor('the link to read every byte and ask for more', () => internals.pendingRead !== null && internals.port.data.length === 0);
}

const FA20RF_SMOKE = fixture('rflink', 'rfl-001').input; // 20;0D;FA20RF;ID=97e3b2;SMOKEALERT=ON;
const GB_FIRE_ALARM = Buffer.from(fixture('gb26875', 'gb-001').input, 'hex'); // system 3, component 393433

let h: TransportHarness | undefined;
const links: SerialLink[] = [];

function setUp(opts: { idleFlushMs?: number } = {}) {
  SerialPortMock.binding.reset();
  SerialPortMock.binding.createPort(RFLINK_PATH, { record: true });
  SerialPortMock.binding.createPort(GB_PATH, { record: true });
  h = createTransportHarness({
    devices: [
      { id: 'smoke-kitchen', profile: 'smoke-detector', roomId: 'kitchen', transport: 'rflink', rflink: { protocol: 'FA20RF', id: '97e3b2' } },
      { id: 'call-101', profile: 'call-button', roomId: 'room-101', residentId: 'ann', transport: 'rflink', rflink: { protocol: 'EV1527', id: '01e9f5', switch: '0b' } },
      { id: 'smoke-corridor', profile: 'smoke-detector', roomId: 'corridor', transport: 'gb26875', gb26875: { systemAddress: 3, componentAddress: 393433 } },
    ],
    serial: [{ path: RFLINK_PATH, framing: 'rflink' }, { path: GB_PATH, framing: 'gb26875' }],
  });
  const tracking = trackingBinding();
  const make = (path: string, framing: 'rflink' | 'gb26875') => {
    const link = new SerialLink({
      siteId: h!.siteId,
      config: { path, framing, baudRate: 57600 },
      registry: h!.registry,
      rejections: h!.rejections,
      metrics: h!.metrics,
      log: h!.log,
      binding: tracking.binding,
      retryMinMs: 10,
      retryMaxMs: 40,
      ...(opts.idleFlushMs !== undefined ? { idleFlushMs: opts.idleFlushMs } : {}),
    });
    links.push(link);
    return link;
  };
  return { h: h!, tracking, make };
}

afterEach(async () => {
  for (const link of links.splice(0)) await link.stop();
  h?.close();
  h = undefined;
});

const smokeRaised = (harness: TransportHarness, deviceId: string) =>
  eventsOf(harness.events(), 'fire.smoke', `device:${deviceId}`).find((e) => e.action === 'raise');

describe('SerialLink with RFLink framing', () => {
  it('raises fire.smoke only once a line split across reads is complete', async () => {
    const { h, tracking, make } = setUp();
    await make(RFLINK_PATH, 'rflink').start();
    const port = tracking.current();
    port.emitData('20;0D;FA20RF;ID=9');
    port.emitData('7e3b2;SMOKE');
    await allRead(port);
    expect(smokeRaised(h, 'smoke-kitchen')).toBeUndefined();
    expect(h.metrics.value('carewatch_serial_frames_total', { link: `serial:${RFLINK_PATH}`, outcome: 'decoded' })).toBe(0);

    port.emitData('ALERT=ON;\r\n');
    const event = await waitFor('fire.smoke', () => smokeRaised(h, 'smoke-kitchen'));
    expect(event.source).toEqual({ transport: 'rflink', link: `serial:${RFLINK_PATH}` });
    expect(h.metrics.value('carewatch_serial_frames_total', { link: `serial:${RFLINK_PATH}`, outcome: 'decoded' })).toBe(1);
  });

  it('counts noise, host echoes and unknown devices, and still decodes the good line after them', async () => {
    const { h, tracking, make } = setUp();
    await make(RFLINK_PATH, 'rflink').start();
    const port = tracking.current();
    port.emitData('20;00;Nodo RadioFrequencyLink - RFLink Gateway V1.1 - R46;\r\n20;01;PONG;\r\n');
    port.emitData(`${fixture('rflink', 'rfl-025').input}\r\n`); // 11;… echo: not received RF
    port.emitData(Buffer.from([0x00, 0xff, 0x13, 0x0d, 0x0a]));
    port.emitData(encodeRflinkLine({ protocol: 'EV1527', id: '01e9f5', switch: '0c', cmd: 'ON' }, 0x52)); // another button's switch
    port.emitData(encodeRflinkLine({ protocol: 'EV1527', id: '01e9f5', switch: '0b', cmd: 'ON' }, 0x53));

    const call = await waitFor('call.button', () => eventsOf(h.events(), 'call.button', 'device:call-101')[0]);
    expect(call.action).toBe('raise');
    expect(h.rejections.total('rflink', 'noise')).toBe(1);
    expect(h.rejections.total('rflink', 'unknown_device')).toBe(1);
    expect(h.metrics.value('carewatch_serial_frames_total', { link: `serial:${RFLINK_PATH}`, outcome: 'ignored' })).toBe(3);
    expect(h.events().filter((e) => e.kind.startsWith('fire.') || e.kind === 'call.button')).toHaveLength(1);
  });
});

describe('SerialLink with GB/T 26875.3 framing', () => {
  it('drops a frame with a bad checksum, decodes the good one after it, and confirms only the good one, after storing it', async () => {
    const { h, tracking, make } = setUp();
    await make(GB_PATH, 'gb26875').start();
    const port = tracking.current();
    const eventsAtWrite: number[] = [];
    const write = port.write.bind(port);
    port.write = (buf) => {
      eventsAtWrite.push(eventsOf(h.events(), 'fire.smoke').length);
      return write(buf);
    };
    const bad = Buffer.from(GB_FIRE_ALARM);
    bad[bad.length - 3] = (bad[bad.length - 3]! + 1) & 0xff; // the sum8 check byte
    port.emitData(Buffer.concat([bad, GB_FIRE_ALARM.subarray(0, 20)]));
    port.emitData(GB_FIRE_ALARM.subarray(20, 61));
    port.emitData(GB_FIRE_ALARM.subarray(61));

    const event = await waitFor('fire.smoke', () => smokeRaised(h, 'smoke-corridor'));
    expect(event.source).toEqual({ transport: 'gb26875', link: `serial:${GB_PATH}` });
    expect(h.rejections.total('gb26875', 'bad_checksum')).toBe(1);

    await waitFor('the confirm reply', () => port.recording.length > 0);
    const reply = decodeGb26875Frame(port.recording);
    expect(reply.ok).toBe(true);
    const sent = decodeGb26875Frame(GB_FIRE_ALARM);
    if (!reply.ok || !sent.ok) return;
    expect(reply.value).toMatchObject({
      command: 3, serial: sent.value.serial, source: sent.value.destination, destination: sent.value.source, appDataLength: 0,
    });
    expect(eventsAtWrite).toEqual([1]); // one reply, written when the fire.smoke was already in the outbox
  });

  it('withholds the confirm when the event could not be stored, so the panel repeats the frame', async () => {
    const { h, tracking, make } = setUp();
    await make(GB_PATH, 'gb26875').start();
    const port = tracking.current();
    const append = h.outbox.append.bind(h.outbox);
    h.outbox.append = () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    };
    port.emitData(GB_FIRE_ALARM);
    await waitFor('the frame to be handled', () => h.metrics.value('carewatch_serial_frames_total', { link: `serial:${GB_PATH}`, outcome: 'not_stored' }) === 1);

    h.outbox.append = append; // disk freed; the panel repeats the unconfirmed frame
    port.emitData(GB_FIRE_ALARM);
    await waitFor('the confirm reply', () => port.recording.length > 0);
    // Replies go out in the order of the frames: had the first been confirmed, its confirm would
    // come before this one. What was written is exactly one confirm frame (GB/T 26875.3: 30
    // bytes of frame around an empty application data unit).
    await allRead(port);
    expect(port.recording.length).toBe(30);
    const reply = decodeGb26875Frame(port.recording);
    expect(reply.ok && reply.value.command).toBe(3);
    expect(h.metrics.value('carewatch_serial_frames_total', { link: `serial:${GB_PATH}`, outcome: 'decoded' })).toBe(1);
    // Whether the repeat raises fire.smoke is the rules' business: today raiseOnFlag records the
    // flag before the outbox append fails, so the repeat is no transition (reported to the lead).
  });

  it('gives up a frame cut short when the line goes idle, so the fire alarm behind it is not held back', async () => {
    const { h, tracking, make } = setUp({ idleFlushMs: 40 });
    await make(GB_PATH, 'gb26875').start();
    const port = tracking.current();
    // The first 30 bytes of a 124-byte frame, then a whole 78-byte fire alarm: the cut frame's
    // declared length reaches past everything received, so only the idle gap can end it.
    const cut = Buffer.from(fixture('gb26875', 'gb-013').input, 'hex').subarray(0, 30);
    port.emitData(Buffer.concat([cut, GB_FIRE_ALARM]));
    await waitFor('fire.smoke', () => smokeRaised(h, 'smoke-corridor'), 2000);
    expect(h.rejections.total('gb26875', 'truncated')).toBe(1);
  });
});

describe('SerialLink when the receiver goes away', () => {
  it('reports the link down once when unplugged, reopens with backoff, reports it up, and reads again', async () => {
    const { h, tracking, make } = setUp();
    const link = make(RFLINK_PATH, 'rflink');
    await link.start();
    const linkName = `serial:${RFLINK_PATH}`;
    expect(h.links.map((l) => [l.link, l.up])).toEqual([[linkName, true]]);

    await unplug(tracking.current());
    await waitFor('link down', () => h.links.some((l) => !l.up));
    await waitFor('link up again', () => h.links.length === 3 && link.isUp);
    expect(h.links.map((l) => [l.link, l.transport, l.up, l.siteId])).toEqual([
      [linkName, 'rflink', true, h.siteId], [linkName, 'rflink', false, h.siteId], [linkName, 'rflink', true, h.siteId],
    ]);
    const offline = eventsOf(h.events(), 'device.offline', `link:${linkName}`);
    expect(offline.map((e) => e.action)).toEqual(['raise', 'clear']);
    expect(h.metrics.value('carewatch_serial_reconnects_total', { link: linkName })).toBe(1);
    expect(h.metrics.value('carewatch_serial_link_up', { link: linkName })).toBe(1);

    tracking.current().emitData(`${FA20RF_SMOKE}\r\n`);
    await waitFor('fire.smoke through the reopened port', () => smokeRaised(h, 'smoke-kitchen'));
  });

  it('starts with the receiver missing: link down, retries until it is plugged in', async () => {
    const { h, tracking, make } = setUp();
    SerialPortMock.binding.reset(); // no port at all
    const link = make(RFLINK_PATH, 'rflink');
    await link.start(); // resolves: a missing receiver does not stop the gateway
    expect(link.isUp).toBe(false);
    expect(h.links.map((l) => l.up)).toEqual([false]);
    await waitFor('two failed retries', () => h.metrics.value('carewatch_serial_open_failures_total', { link: `serial:${RFLINK_PATH}` }) >= 3);
    expect(h.links).toHaveLength(1); // still down: no repeated downs

    SerialPortMock.binding.createPort(RFLINK_PATH);
    await waitFor('link up', () => link.isUp);
    expect(h.links.map((l) => l.up)).toEqual([false, true]);
    tracking.current().emitData(`${FA20RF_SMOKE}\r\n`);
    await waitFor('fire.smoke', () => smokeRaised(h, 'smoke-kitchen'));
  });

  it('stop() closes the port, cancels retries and reports nothing', async () => {
    const { h, tracking, make } = setUp();
    const link = make(RFLINK_PATH, 'rflink');
    await link.start();
    const port = tracking.current();
    await link.stop();
    expect(port.isOpen).toBe(false);

    // Stopped while the receiver is missing: the pending retry is cancelled too.
    SerialPortMock.binding.reset();
    const missing = make(RFLINK_PATH, 'rflink');
    await missing.start();
    await missing.stop();
    const rflinkFailures = () => h.metrics.value('carewatch_serial_open_failures_total', { link: `serial:${RFLINK_PATH}` });
    const failures = rflinkFailures();
    expect(failures).toBe(1); // its first attempt, at start

    // A control link, started after both stops with the same backoff (first delay 5–10 ms, the
    // second 10–20 ms): its third failed attempt comes at least 15 ms after its start, so any
    // retry either stopped link had armed (at most 10 ms, armed earlier) would have fired first.
    const control = make(GB_PATH, 'gb26875');
    await control.start();
    await waitFor('the control link\'s third attempt', () => h.metrics.value('carewatch_serial_open_failures_total', { link: `serial:${GB_PATH}` }) >= 3);
    expect(tracking.opened).toHaveLength(1); // the first link never reopened
    expect(rflinkFailures()).toBe(failures); // the missing one never retried
    expect(h.links.filter((l) => l.link === `serial:${RFLINK_PATH}`).map((l) => l.up)).toEqual([true, false]); // up, then the missing one's down
  });
});

describe('Backoff', () => {
  it('doubles from min to max, each delay between half and all of its ceiling, and starts over after reset', () => {
    const low = new Backoff(100, 1000, () => 0);
    const high = new Backoff(100, 1000, () => 1);
    const lows = Array.from({ length: 6 }, () => low.next());
    const highs = Array.from({ length: 6 }, () => high.next());
    expect(lows).toEqual([50, 100, 200, 400, 500, 500]);
    expect(highs).toEqual([100, 200, 400, 800, 1000, 1000]);
    high.reset();
    expect(high.next()).toBe(100);
  });

  it('refuses bounds that make no backoff', () => {
    expect(() => new Backoff(0, 10)).toThrow(RangeError);
    expect(() => new Backoff(100, 10)).toThrow('maxMs (10) must be >= minMs (100)');
  });
});
