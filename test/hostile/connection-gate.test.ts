import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionGate, type GateEvent } from '../../contract/connection-gate.ts';

/** The gate in front of a real TCP listener: which sockets give way, and which never do. */
let server: net.Server | undefined;
const clients: net.Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function listen(gate: ConnectionGate, onSpoken?: (s: net.Socket) => void): Promise<number> {
  server = net.createServer((socket) => {
    const admission = gate.admit(socket, { name: 'test', preAuthTimeoutMs: 60_000 });
    // "Authentication" here: a line "login\n".
    socket.on('data', (d) => { if (d.toString().includes('login') && admission?.authenticated()) { socket.write('ok\n'); onSpoken?.(socket); } });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

async function open(port: number, first?: string): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  clients.push(s);
  await new Promise<void>((r) => s.once('connect', () => r()));
  if (first) s.write(first);
  return s;
}

const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('ConnectionGate', () => {
  it('silent sockets from one address evict each other, oldest first; the address keeps its cap of silent ones', async () => {
    const events: GateEvent[] = [];
    const gate = new ConnectionGate({ maxOpen: 1000, maxUnauthenticatedPerAddress: 4, onEvent: (e) => events.push(e) });
    const port = await listen(gate);
    const silent = [];
    for (let i = 0; i < 6; i++) silent.push(await open(port));
    await closed(silent[0]!);
    await closed(silent[1]!);
    const real = await open(port, 'login\n');
    await new Promise<void>((r) => real.once('data', () => r()));
    expect(events.filter((e) => e.kind === 'evicted').length).toBeGreaterThanOrEqual(2);
  });

  it('never evicts sockets that have spoken: a NAT address\'s devices reconnecting together all get in', async () => {
    const gate = new ConnectionGate({ maxOpen: 1000, maxUnauthenticatedPerAddress: 4 });
    // The server is slow to authenticate (a password hash): sockets wait, having spoken.
    let heard = 0;
    let onHeard = () => undefined as void;
    server = net.createServer((socket) => {
      gate.admit(socket, { name: 'test' });
      socket.on('error', () => undefined);
      socket.once('data', () => { heard += 1; onHeard(); });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const speaking = [];
    for (let i = 0; i < 12; i++) {
      const heardThis = new Promise<void>((r) => { onHeard = () => { if (heard > i) r(); }; });
      speaking.push(await open(port, 'CONNECT'));
      await heardThis; // the server has read its bytes before the next socket comes
    }
    expect(gate.unauthenticatedSockets).toBe(12);
    expect(speaking.filter((s) => s.destroyed)).toEqual([]);
  });

  it('at the process cap, the oldest silent socket gives way to a newcomer; with only authenticated ones, the newcomer is refused', async () => {
    const events: GateEvent[] = [];
    const gate = new ConnectionGate({ maxOpen: 3, maxUnauthenticated: 10, onEvent: (e) => events.push(e) });
    const port = await listen(gate);
    const a = await open(port, 'login\n');
    await new Promise<void>((r) => a.once('data', () => r()));
    const b = await open(port, 'login\n');
    await new Promise<void>((r) => b.once('data', () => r()));
    const silent = await open(port);
    const c = await open(port, 'login\n');
    await closed(silent);
    await new Promise<void>((r) => c.once('data', () => r()));
    const d = await open(port);
    await closed(d);
    expect(events.map((e) => `${e.kind}:${'why' in e ? e.why : ''}`), JSON.stringify(events)).toEqual(['evicted:process_full', 'refused:process_full']);
  });
});
