import net from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WatchSim } from '../../simulators/devices/watch-sim.ts';
import { DEMO_SITES_DIR } from '../../simulators/demo/cli.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

/**
 * Issue 16, the 4G-watch listener probed over real TCP: one connection speaking for every
 * watch, silent sockets holding a carrier-NAT address's cap, anyone on the network sending a
 * registered watch's SOS.
 */
const HOMES = ['home-0001.yaml', 'home-0002.yaml'].map((f) => join(DEMO_SITES_DIR, 'homes', f));
const WATCH_A = '6907919734';
const WATCH_B = '8308373902';

const sockets: net.Socket[] = [];
const sims: WatchSim[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of sims.splice(0)) s.close();
});

async function silentSocket(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  sockets.push(s);
  await new Promise<void>((r) => s.once('connect', () => r()));
  return s;
}

async function watch(id: string, port: number, localAddress?: string): Promise<WatchSim> {
  const sim = await new WatchSim({ deviceId: id }).connect('127.0.0.1', port, localAddress ? { localAddress } : {});
  sims.push(sim);
  return sim;
}

describe('a watch connection speaks for one watch', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sites: HOMES, gatewayOptions: { watch: { host: '127.0.0.1', port: 0, maxConnectionsPerAddress: 50, loginTimeoutSec: 1 } } });
  });
  afterAll(async () => { await stack?.stop(); });

  it('a frame for another watch on a connection that logged in as one is refused, counted, and the connection closed', async () => {
    const a = await watch(WATCH_A, stack.watchPort);
    a.sendLK();
    await a.waitForReply('LK');
    // The same socket, an SOS of watch B.
    a.sendRaw(new WatchSim({ deviceId: WATCH_B }).encode({ type: 'AL', at: Date.now(), sos: true }));
    await a.waitForClose();
    expect(a.received).toEqual(['LK']);
    expect(stack.gateway.rejections.total('watch3g', 'identity')).toBe(1);
    expect(stack.gateway.metrics.value('carewatch_watch_connections_closed_total', { why: 'impersonation' })).toBe(1);
  });

  it('a socket that never identifies is closed after the login timeout (1 s here; 10 s by default), not 900 s', async () => {
    const s = await silentSocket(stack.watchPort);
    const closedAt = await new Promise<number>((r) => s.once('close', () => r(Date.now())));
    expect(closedAt).toBeGreaterThan(0);
    expect(stack.gateway.metrics.value('carewatch_connections_gated_total', { listener: 'watch', kind: 'timeout', why: 'pre_auth_timeout' })).toBeGreaterThanOrEqual(1);
  });
});

describe('silent sockets on a carrier-NAT address', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A login timeout far longer than the test: every silent socket is still held when the watch comes.
    stack = await startStack({ sites: HOMES, gatewayOptions: { watch: { host: '127.0.0.1', port: 0, maxConnectionsPerAddress: 50, loginTimeoutSec: 600 } } });
  });
  afterAll(async () => { await stack?.stop(); });

  it('do not count against their address: with 50 of them open (the cap), a real watch\'s SOS from the same address is answered', async () => {
    const silent: net.Socket[] = [];
    for (let i = 0; i < 50; i++) silent.push(await silentSocket(stack.watchPort));
    const b = await watch(WATCH_B, stack.watchPort);
    b.sendAlarm({ sos: true });
    await b.waitForReply('AL');
    // Not a vacuous pass: all 50 were still open while the watch got its answer.
    expect(silent.filter((x) => x.destroyed || x.readyState !== 'open')).toEqual([]);
  });
});

describe('a watch listener with an address allow-list (a carrier\'s private network)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sites: HOMES, gatewayOptions: { watch: { host: '127.0.0.1', port: 0, allowFrom: ['127.0.0.2/32'] } } });
  });
  afterAll(async () => { await stack?.stop(); });

  it('refuses an SOS for a registered watch from outside the list, and answers the watch from inside it', async () => {
    const outsider = await watch(WATCH_A, stack.watchPort);
    outsider.sendAlarm({ sos: true });
    await outsider.waitForClose();
    expect(outsider.received).toEqual([]);
    expect(stack.gateway.metrics.value('carewatch_watch_connections_refused_total', { why: 'not_allowed' })).toBe(1);
    const real = await watch(WATCH_A, stack.watchPort, '127.0.0.2');
    real.sendAlarm({ sos: true });
    await real.waitForReply('AL');
  });
});
