import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateReading } from '../../contract/index.ts';
import { WatchListener, type WatchListenerOptions } from '../../gateway/watch/watch-listener.ts';
import { WatchSim } from '../../simulators/devices/watch-sim.ts';
import { HOME, type HomeHarness, eventually, homeHarness, homeSiteInput } from '../helpers/gateway-harness-home.ts';

/**
 * The 4G-watch listener over real TCP sockets on 127.0.0.1, with the real rules and a SQLite
 * outbox behind it. Frames come from the fixtures (traccar's test strings, fixture README §4) and
 * from the simulator, which encodes with the devices codec.
 */
const FIXTURES = readFileSync(new URL('../fixtures/watch-4g/cases.jsonl', import.meta.url), 'utf8')
  .trim().split('\n').map((l) => JSON.parse(l) as { id: string; input: string });
function fixture(prefix: string): string {
  const c = FIXTURES.find((f) => f.id.startsWith(prefix));
  if (!c) throw new Error(`no fixture ${prefix}`);
  return c.input;
}

/** Watches of the fixtures (SOS from 6907919734, fall from 8308373902) join the home's own. */
const FIXTURE_WATCHES = { sos: '6907919734', fall: '8308373902' };

let h: HomeHarness;
let listener: WatchListener;
let address: { host: string; port: number };
const sims: WatchSim[] = [];

async function startListener(extra: Partial<WatchListenerOptions> = {}): Promise<void> {
  listener = new WatchListener({
    host: '127.0.0.1', port: 0, registry: h.registry, rejections: h.rejections, metrics: h.metrics, log: h.log, ...extra,
  });
  address = await listener.start();
}

async function watch(deviceId: string = HOME.watchId): Promise<WatchSim> {
  const sim = await new WatchSim({ deviceId }).connect(address.host, address.port);
  sims.push(sim);
  return sim;
}

const rejected = (reason: Parameters<HomeHarness['rejections']['total']>[1]) => h.rejections.total('watch3g', reason);
const statesOf = (deviceId: string) => h.readings.filter((r): r is StateReading => r.type === 'state' && r.deviceId === deviceId);

beforeEach(async () => {
  const input = homeSiteInput();
  input.devices = [
    ...(input.devices ?? []),
    { id: 'watch-fixture-sos', profile: 'watch-4g', residentId: 'mei', transport: 'watch3g', watchId: FIXTURE_WATCHES.sos },
    { id: 'watch-fixture-fall', profile: 'watch-4g', residentId: 'mei', transport: 'watch3g', watchId: FIXTURE_WATCHES.fall },
  ];
  h = homeHarness(input);
  await startListener();
});

afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  await listener.stop();
  h.close();
});

describe('keep-alive', () => {
  it('answers LK with LK, and a bare LK is proof of life (availability online)', async () => {
    const sim = await watch();
    sim.sendLK();
    await sim.waitForReply('LK');
    expect(h.readings).toEqual([expect.objectContaining({
      type: 'availability', online: true, siteId: HOME.siteId, deviceId: HOME.watchDeviceId,
      source: { transport: 'watch3g', link: `watch:${HOME.watchId}` },
    })]);
  });

  it('an LK with battery and steps is a state reading with them', async () => {
    const sim = await watch();
    sim.sendLK({ steps: 1200, battery: 64 });
    await sim.waitForReply('LK');
    expect(statesOf(HOME.watchDeviceId).map((r) => r.fields)).toEqual([{ steps: 1200, battery: 64 }]);
  });

  it('echoes the vendor prefix of the fixture frame ([SG*…*LK] gets [SG*…*0002*LK])', async () => {
    const socket = net.connect({ host: address.host, port: address.port, noDelay: true });
    const got: Buffer[] = [];
    socket.on('data', (b) => got.push(b));
    socket.write(fixture('watch-009'));
    await eventually(() => Buffer.concat(got).length >= 23, 'the LK reply');
    socket.destroy();
    expect(Buffer.concat(got).toString()).toBe(`[SG*${HOME.watchId}*0002*LK]`);
  });
});

describe('alarms', () => {
  it('SOS (AL, STATUS bit 16) raises wearable.sos, stored before the AL answer is written', async () => {
    const sim = await watch();
    sim.sendAlarm({ sos: true }, { latitude: 31.2, longitude: 121.4, battery: 80 });
    await sim.waitForReply('AL');
    // The reply is written only after runtime.push returned: the event is already in the outbox.
    const sos = h.events('life_safety').filter((e) => e.kind === 'wearable.sos');
    expect(sos).toHaveLength(1);
    expect(sos[0]).toMatchObject({ deviceId: HOME.watchDeviceId, residentId: 'mei', action: 'raise', source: { transport: 'watch3g' } });
    expect(statesOf(HOME.watchDeviceId)[0]!.fields).toMatchObject({ sos: true, latitude: 31.2, longitude: 121.4, battery: 80 });
  });

  it('the fixture SOS (AL_LTE 00010000) and fall (AL 00200010) raise wearable.sos and wearable.fall', async () => {
    const sos = await watch(FIXTURE_WATCHES.sos);
    const fall = await watch(FIXTURE_WATCHES.fall);
    sos.sendRaw(fixture('watch-001'));
    fall.sendRaw(fixture('watch-003'));
    await sos.waitForReply('AL');
    await fall.waitForReply('AL');
    const kinds = h.events('life_safety').map((e) => `${e.deviceId}:${e.kind}`).sort();
    expect(kinds).toEqual(['watch-fixture-fall:wearable.fall', 'watch-fixture-sos:wearable.sos']);
  });

  it('a watch taken off reports worn: false', async () => {
    const sim = await watch();
    sim.sendAlarm({ takenOff: true });
    await sim.waitForReply('AL');
    expect(statesOf(HOME.watchDeviceId)[0]!.fields.worn).toBe(false);
  });

  it('an alarm that could not be stored is not answered: the connection is closed so the watch resends', async () => {
    const sim = await watch();
    h.failNextPush();
    sim.sendAlarm({ sos: true });
    await sim.waitForClose();
    expect(sim.received).toEqual([]);
    const again = await watch();
    again.sendAlarm({ sos: true });
    await again.waitForReply('AL');
    expect(h.events('life_safety').filter((e) => e.kind === 'wearable.sos')).toHaveLength(1);
  });

  it('a heart rate is a vital reading; heart 0 ("no reading") is only proof of life', async () => {
    const sim = await watch();
    sim.sendHeart(71);
    sim.sendHeart(0);
    await eventually(() => h.readings.length === 2, 'two readings');
    expect(h.readings.map((r) => (r.type === 'state' ? r.fields : r.type))).toEqual([{ heart_rate: 71 }, 'availability']);
  });
});

describe('framing on a stream', () => {
  it('reassembles frames split across writes, byte by byte', async () => {
    const sim = await watch();
    const bytes = sim.encode({ type: 'AL', at: Date.now(), sos: true });
    for (let i = 0; i < bytes.length; i++) {
      sim.sendRaw(bytes.subarray(i, i + 1));
      if (i % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    await sim.waitForReply('AL');
    expect(statesOf(HOME.watchDeviceId)).toHaveLength(1);
  });

  it('answers every frame of a write holding several, in order', async () => {
    const sim = await watch();
    sim.sendRaw(Buffer.concat([sim.encode({ type: 'LK' }), sim.encode({ type: 'AL', at: Date.now(), fall: true }), sim.encode({ type: 'LK', battery: 50 })]));
    await sim.waitForReply('LK', { count: 2 });
    expect(sim.received).toEqual(['LK', 'AL', 'LK']);
    expect(h.readings.map((r) => r.type)).toEqual(['availability', 'state', 'state']);
  });

  it('counts garbage before a good frame as noise and still decodes the frame', async () => {
    const sim = await watch();
    sim.sendRaw(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n\x00\xff'), sim.encode({ type: 'LK' })]));
    await sim.waitForReply('LK');
    expect(rejected('noise')).toBe(1);
  });

  it('bounds a frame: an oversize one is refused and counted, the next is answered', async () => {
    await listener.stop();
    await startListener({ maxFrameBytes: 256 });
    const sim = await watch();
    sim.sendRaw(`[3G*${HOME.watchId}*0400*TK,${'x'.repeat(1024)}]`);
    sim.sendLK();
    await sim.waitForReply('LK');
    expect(rejected('oversize')).toBe(1);
    expect(h.readings).toHaveLength(1);
  });
});

describe('identity and bounds', () => {
  it('refuses an unknown watch id, counts it, and closes after 3 such frames', async () => {
    const stranger = await watch('1234567890');
    stranger.sendLK();
    stranger.sendLK();
    await eventually(() => rejected('unknown_device') === 2, 'two unknown frames counted');
    expect(stranger.closed).toBe(false);
    stranger.sendLK();
    await stranger.waitForClose();
    expect(rejected('unknown_device')).toBe(3);
    expect(stranger.received).toEqual([]);
    expect(h.readings).toEqual([]);
  });

  it('limits identified connections per address (the one over the cap is answered, then closed and counted)', async () => {
    await listener.stop();
    await startListener({ maxConnectionsPerAddress: 2 });
    for (const id of [HOME.watchId, FIXTURE_WATCHES.sos]) {
      const sim = await watch(id);
      sim.sendLK();
      await sim.waitForReply('LK');
    }
    const third = await watch(FIXTURE_WATCHES.fall);
    third.sendLK();
    await third.waitForClose();
    expect(h.metrics.value('carewatch_watch_connections_refused_total', { why: 'per_address' })).toBe(1);
    expect(listener.connections).toBe(2);
  });

  it('drops a connection idle beyond idleTimeoutSec, and the gauge follows', async () => {
    await listener.stop();
    await startListener({ idleTimeoutSec: 0.2 });
    const sim = await watch();
    sim.sendLK();
    await sim.waitForReply('LK');
    expect(h.metrics.value('carewatch_watch_connections')).toBe(1);
    await sim.waitForClose(2000);
    await eventually(() => h.metrics.value('carewatch_watch_connections') === 0, 'gauge back to 0');
    expect(h.metrics.value('carewatch_watch_connections_closed_total', { why: 'idle' })).toBe(1);
  });

  it('counts frames by protocol and kind', async () => {
    const sim = await watch();
    sim.sendLK();
    sim.sendHeart(80);
    sim.sendLK();
    await sim.waitForReply('LK', { count: 2 });
    await eventually(() => h.readings.length === 3, 'three readings');
    expect(h.metrics.value('carewatch_watch_frames_total', { protocol: 'watch3g', kind: 'keepalive' })).toBe(2);
    expect(h.metrics.value('carewatch_watch_frames_total', { protocol: 'watch3g', kind: 'vital' })).toBe(1);
  });

  it('stop() closes the port and every connection', async () => {
    const sim = await watch();
    await listener.stop();
    await sim.waitForClose();
    await expect(new WatchSim({ deviceId: HOME.watchId }).connect(address.host, address.port)).rejects.toThrow();
    await startListener(); // for afterEach
  });
});
