import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UpstreamConfig, type EventKind, type SiteFile, type UpstreamConfigInput } from '../../contract/index.ts';
import { encodeGb26875Frame, encodeComponentStatusData, Gb26875FrameSplitter } from '../../devices/codecs/gb26875/index.ts';
import { encodeContactId, encodeDc09, Dc09FrameSplitter } from '../../devices/codecs/sia-dc09/index.ts';
import type { EventDraft } from '../core/kit/event-draft.ts';
import { createLogger } from '../log.ts';
import { Metrics } from '../metrics.ts';
import { SqliteOutbox } from '../outbox/sqlite-outbox.ts';
import { openGatewayDb } from '../store/open-gateway-db.ts';
import { UpstreamLinks } from './upstream-links.ts';

/**
 * `npm run bench` (upstream): messages/s to each local receiver and the delay each link adds to
 * an alarm, beside a baseline in the same run. The receivers are `carewatch sim receiver`
 * processes on loopback. Baseline: a bare client that writes ready-made messages to the same
 * receiver and waits for each answer (the protocols are stop-and-wait). Link: events appended to a
 * real outbox (SQLite file, WAL) and carried by the link — hook, queue row, encoding, sequence
 * number, acknowledgement, row deleted. Prints JSON.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const N = 2000;
const LATENCY_SAMPLES = 200;
const SITE = { site: { id: 'bench' }, devices: [{ id: 'smoke-1', profile: 'smoke-detector', name: 'smoke 1' }] } as unknown as SiteFile;

async function receiverProcess(kind: 'dc09' | 'gb26875', args: string[] = []): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(ROOT, 'carewatch.mjs'), 'sim', 'receiver', kind, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((r) => lines.on('line', (l) => { const m = JSON.parse(l) as { listening?: { tcp: number } }; if (m.listening) r(m.listening.tcp); }));
  return { port, child };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const round = (n: number, d = 2) => Number(n.toFixed(d));

/** Stop-and-wait over one TCP connection: send, wait for one answer, next. */
async function bareClient(port: number, messages: Buffer[], split: () => (c: Buffer) => number): Promise<{ perSec: number; rttMs: number }> {
  const socket: Socket = await new Promise((r) => { const s = connect(port, '127.0.0.1', () => r(s)); s.setNoDelay(true); });
  const count = split();
  let waiting: (() => void) | undefined;
  socket.on('data', (c: Buffer) => { for (let i = count(c); i > 0; i--) { const w = waiting; waiting = undefined; w?.(); } });
  const send = (m: Buffer) => new Promise<void>((r) => { waiting = r; socket.write(m); });
  // Warmed the same way as the link (its latency samples run first): the first messages again, untimed (the receiver acknowledges a repeat).
  for (const m of messages.slice(0, LATENCY_SAMPLES)) await send(m);
  const rtts: number[] = [];
  const started = performance.now();
  for (const m of messages) {
    const t = performance.now();
    await send(m);
    rtts.push(performance.now() - t);
  }
  const perSec = messages.length / ((performance.now() - started) / 1000);
  socket.destroy();
  return { perSec: Math.round(perSec), rttMs: round(median(rtts), 3) };
}

async function viaLink(link: UpstreamConfigInput['links'][number], kind: EventKind): Promise<{ perSec: number; latencyMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-bench-upstream-'));
  const db = openGatewayDb(dir);
  let delivered = 0;
  let onOne: (() => void) | undefined;
  let outbox: SqliteOutbox | undefined;
  const upstream = new UpstreamLinks(UpstreamConfig.parse({ links: [link] }), {
    db, log: createLogger('bench', 'silent'), metrics: new Metrics(), siteFile: () => SITE, raise: (d) => { outbox!.append(d); },
    onDelivered: () => { delivered += 1; onOne?.(); },
  });
  outbox = new SqliteOutbox({ db, clock: Date.now, onStored: (e) => upstream.enqueue(e) });
  outbox.onAppend(() => upstream.wake());
  upstream.start();
  const draft = (i: number): EventDraft => ({ siteId: 'bench', kind, action: i % 2 ? 'clear' : 'raise', severity: 'critical', subject: 'device:smoke-1', deviceId: 'smoke-1', ts: Date.now() });
  const until = (n: number) => new Promise<void>((r) => { if (delivered >= n) r(); else onOne = () => { if (delivered >= n) { onOne = undefined; r(); } }; });
  // Latency: one alarm at a time, append → the receiver's acknowledgement.
  const lat: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t = performance.now();
    outbox.append(draft(i));
    await until(delivered + 1);
    lat.push(performance.now() - t);
  }
  // Throughput: N appended at once, timed until the last is acknowledged.
  const base = delivered;
  const started = performance.now();
  db.transaction(() => { for (let i = 0; i < N; i++) outbox!.append(draft(i)); })();
  await until(base + N);
  const perSec = N / ((performance.now() - started) / 1000);
  await upstream.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { perSec: Math.round(perSec), latencyMs: round(median(lat), 3) };
}

export async function benchUpstream() {
  const now = Date.now();
  const dc = await receiverProcess('dc09');
  const dcBlocks = Array.from({ length: N }, (_, i) => Buffer.from(encodeDc09({
    token: 'ADM-CID', seq: (i % 9999) + 1, account: 'BEEF', data: encodeContactId({ qualifier: i % 2 ? 'restore' : 'new', code: 111, partition: 1, zone: i % 999 }), timestamp: now,
  }), 'latin1'));
  const dcSplit = () => { const s = new Dc09FrameSplitter(); return (c: Buffer) => s.push(c).filter((p) => 'block' in p).length; };
  const dcBase = await bareClient(dc.port, dcBlocks, dcSplit);
  const dcLink = await viaLink({ kind: 'dc09', name: 'arc', primary: { host: '127.0.0.1', port: dc.port }, sites: { bench: { account: 'CAFE' } }, supervisionSec: 0 }, 'fire.smoke');
  dc.child.kill('SIGTERM');

  const gb = await receiverProcess('gb26875');
  const gbFrames = Array.from({ length: N }, (_, i) => encodeGb26875Frame({
    serial: i + 1, time: now, source: 0xbeef, destination: 0, command: 2,
    appData: encodeComponentStatusData([{ systemType: 1, systemAddress: 0, componentType: 40, componentAddress: i, status: { fire_alarm: true }, time: now }]),
  }));
  const gbSplit = () => { const s = new Gb26875FrameSplitter(); return (c: Buffer) => s.push(c).frames.length; };
  const gbBase = await bareClient(gb.port, gbFrames, gbSplit);
  const gbLink = await viaLink({ kind: 'gb26875', name: 'fire-centre', site: 'bench', centre: { host: '127.0.0.1', port: gb.port }, address: 0xcafe, heartbeatSec: 3600 }, 'fire.smoke');
  gb.child.kill('SIGTERM');
  return {
    messages: N, latencySamples: LATENCY_SAMPLES,
    dc09: { baselinePerSec: dcBase.perSec, linkPerSec: dcLink.perSec, baselineRttMs: dcBase.rttMs, linkLatencyMs: dcLink.latencyMs, addedMs: round(dcLink.latencyMs - dcBase.rttMs, 3) },
    gb26875: { baselinePerSec: gbBase.perSec, linkPerSec: gbLink.perSec, baselineRttMs: gbBase.rttMs, linkLatencyMs: gbLink.latencyMs, addedMs: round(gbLink.latencyMs - gbBase.rttMs, 3) },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchUpstream().then((r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); }, (err: unknown) => { process.stderr.write(`${String(err)}\n`); process.exit(1); });
}
