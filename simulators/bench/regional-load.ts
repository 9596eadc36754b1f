// A load generator of the regional benchmark (regional.ts), as its own process: holds the
// homes' device connections it is given (4G watches over TCP, native MQTT devices), sends their
// keep-alives, and sends an alarm from one of them when told. Commands and replies are JSON
// lines on stdin/stdout (regional-wire.ts). Exits when its stdin closes.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { MqttClient } from 'mqtt';
import { nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { connectMqtt, type BrokerAddress } from '../devices/mqtt-device.ts';
import { WatchSim } from '../devices/watch-sim.ts';
import { type ConnectResult, type LoadCommand, type LoadHome, type LoadReply, type LoadStats, epochNow } from './regional-wire.ts';

interface Endpoints { mqtt: BrokerAddress; watchHost: string; watchPort: number }

let endpoints: Endpoints | undefined;
let homes: LoadHome[] = [];
let watches: Array<WatchSim | undefined> = [];
let clients: Array<MqttClient | undefined> = [];
let ticker: NodeJS.Timeout | undefined;
let stopping = false;
const stats: LoadStats = { keepalives: 0, sendErrors: 0, closed: { watch: 0, mqtt: 0 }, loopMaxMs: 0 };
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const reply = (r: LoadReply) => process.stdout.write(`${JSON.stringify(r)}\n`);

/** Runs `work` over 0..count-1 with at most `concurrency` at a time. */
async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

async function connectAll(kind: 'watch' | 'mqtt', concurrency: number): Promise<ConnectResult> {
  const ep = endpoints;
  if (!ep) throw new Error('init first');
  const t0 = epochNow();
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  const fail = (err: unknown) => { failed++; firstError ??= (err as Error).message; };
  await pool(homes.length, concurrency, async (i) => {
    const home = homes[i]!;
    try {
      if (kind === 'watch' && home.watchId) {
        // A watch announces itself with a keep-alive as soon as it is connected.
        const sim = await new WatchSim({ deviceId: home.watchId }).connect(ep.watchHost, ep.watchPort);
        watches[i] = sim;
        sim.sendLK({ battery: 80, steps: 0 });
        await sim.waitForReply('LK', { timeoutMs: 15_000 });
        connected++;
      } else if (kind === 'mqtt' && home.mqtt) {
        const client = await connectMqtt({ ...ep.mqtt, username: home.mqtt.username, password: home.mqtt.password });
        client.on('error', () => { stats.sendErrors++; });
        client.on('close', () => { if (!stopping) stats.closed.mqtt++; });
        clients[i] = client;
        connected++;
      }
    } catch (err) {
      fail(err);
    }
  });
  return { connected, failed, ms: Math.round(epochNow() - t0), ...(firstError ? { firstError } : {}) };
}

/** One keep-alive each per period, evenly spread: a shared ticker walks the connections in turn. */
function startKeepalives(periodMs: number): void {
  const slots: Array<{ kind: 'watch' | 'mqtt'; i: number }> = [];
  homes.forEach((_, i) => {
    if (watches[i]) slots.push({ kind: 'watch', i });
    if (clients[i]) slots.push({ kind: 'mqtt', i });
  });
  if (slots.length === 0) return;
  const start = epochNow();
  let sent = 0;
  ticker = setInterval(() => {
    const due = Math.floor(((epochNow() - start) / periodMs) * slots.length);
    for (; sent < due; sent++) {
      const slot = slots[sent % slots.length]!;
      const home = homes[slot.i]!;
      if (slot.kind === 'watch') {
        const sim = watches[slot.i]!;
        if (sim.closed) continue;
        sim.sendLK({ battery: 80, steps: sent });
      } else {
        const client = clients[slot.i]!;
        if (!client.connected) continue;
        // A state report is the device's application keep-alive; mqtt.js adds PINGREQ when idle (keepalive 60 s).
        client.publish(nativeTopic(home.siteId, home.mqtt!.deviceId, 'state'), encodeNativeState({ battery: 90 }), { qos: 1 }, (err) => {
          if (err) stats.sendErrors++;
        });
      }
      stats.keepalives++;
    }
  }, 50);
}

function sendAlarm(i: number, kind: 'button' | 'sos'): { at: number } {
  const home = homes[i];
  if (!home) throw new Error(`no home ${i}`);
  if (kind === 'sos') {
    const sim = watches[i];
    if (!sim || sim.closed) throw new Error(`${home.siteId}: watch not connected`);
    const at = epochNow();
    sim.sendAlarm({ sos: true });
    return { at };
  }
  const client = clients[i];
  if (!client?.connected) throw new Error(`${home.siteId}: MQTT device not connected`);
  const at = epochNow();
  client.publish(nativeTopic(home.siteId, home.mqtt!.deviceId, 'state'), encodeNativeState({ action: 'emergency' }), { qos: 1 }, (err) => {
    if (err) stats.sendErrors++;
  });
  return { at };
}

async function stop(): Promise<void> {
  stopping = true;
  if (ticker) clearInterval(ticker);
  for (const w of watches) w?.close();
  await Promise.all(clients.map((c) => c?.endAsync(true).catch(() => undefined)));
}

async function handle(command: LoadCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'init':
      endpoints = { mqtt: command.mqtt, watchHost: command.watchHost, watchPort: command.watchPort };
      homes = command.homes;
      watches = new Array(homes.length);
      clients = new Array(homes.length);
      return undefined;
    case 'connect': return connectAll(command.kind, command.concurrency);
    case 'keepalive': startKeepalives(command.periodMs); return undefined;
    case 'ping': return { at: epochNow() };
    case 'alarm': return sendAlarm(command.home, command.kind);
    case 'stats':
      stats.closed.watch = watches.filter((w) => w?.closed).length;
      stats.loopMaxMs = Math.round(loopDelay.max / 1e5) / 10;
      loopDelay.reset();
      return stats;
    case 'stop': await stop(); return undefined;
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const { req, ...command } = JSON.parse(line) as LoadCommand & { req: number };
  handle(command as LoadCommand).then(
    (result) => {
      reply({ req, ok: true, ...(result === undefined ? {} : { result: result as { at: number } }) });
      if (command.cmd === 'stop') process.exit(0);
    },
    (err: unknown) => reply({ req, ok: false, error: (err as Error).message }),
  );
}).on('close', () => {
  void stop().finally(() => process.exit(0));
});
