import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamConfig, type Event, type EventKind, type SiteFile, type UpstreamConfigInput } from '../../contract/index.ts';
import type { EventDraft } from '../../gateway/core/kit/event-draft.ts';
import { createLogger } from '../../gateway/log.ts';
import { Metrics } from '../../gateway/metrics.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { UpstreamLinks } from '../../gateway/upstream/upstream-links.ts';
import { Dc09Receiver, type ReceivedDc09 } from '../../simulators/receivers/dc09-receiver.ts';
import { Gb26875Centre, type ReceivedGbFrame } from '../../simulators/receivers/gb26875-centre.ts';
import { freePort } from '../../simulators/stack/free-port.ts';

/**
 * Upstream links against the receiver simulators over real loopback TCP and UDP (issue 23
 * must-shows): retries on NAK and deny, receiver down → queued and delivered in order, failover
 * to the backup, each alarm exactly once, AES on the wire, link.receiver_down raised and cleared.
 */
const SITE = {
  site: { id: 'demo' },
  devices: [
    { id: 'smoke-1', profile: 'smoke-detector', name: '三楼走廊烟感' },
    { id: 'smoke-2', profile: 'smoke-detector' },
    { id: 'button-1', profile: 'call-button' },
  ],
} as unknown as SiteFile;

const KEY = '000102030405060708090A0B0C0D0E0F';
const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const s of stops.splice(0).reverse()) await s(); });

function draft(kind: EventKind, deviceId: string, action: EventDraft['action'] = 'raise'): EventDraft {
  return { siteId: 'demo', kind, action, severity: kind.startsWith('fire') || kind === 'call.button' ? 'critical' : 'minor', subject: `device:${deviceId}`, deviceId, ts: Date.now() };
}

function setUp(links: UpstreamConfigInput['links']) {
  const db = new Database(':memory:');
  const metrics = new Metrics();
  const log = createLogger('upstream-test', 'silent');
  let outbox: SqliteOutbox | undefined;
  const stored: Event[] = [];
  const upstream = new UpstreamLinks(UpstreamConfig.parse({ links }), {
    db, log, metrics, siteFile: () => SITE, raise: (d) => { outbox!.append(d); }, env: { DC09_KEY: KEY },
  });
  outbox = new SqliteOutbox({ db, clock: Date.now, onStored: (e) => { stored.push(e); upstream.enqueue(e); } });
  outbox.onAppend(() => upstream.wake());
  upstream.start();
  stops.push(async () => { await upstream.stop(); db.close(); });
  return { outbox, upstream, metrics, stored };
}

async function receiver(opts: ConstructorParameters<typeof Dc09Receiver>[0] = {}) {
  const r = new Dc09Receiver({ keys: { '1234': KEY }, ...opts });
  await r.start();
  stops.push(() => r.stop());
  return r;
}

function waitFor<T>(what: string, get: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const until = Date.now() + timeoutMs;
    const poll = setInterval(() => {
      const v = get();
      if (v) { clearInterval(poll); resolve(v); } else if (Date.now() > until) { clearInterval(poll); reject(new Error(`timed out waiting for ${what}`)); }
    }, 10);
  });
}

const dc09 = (primary: number, extra: Record<string, unknown> = {}) => ({
  kind: 'dc09' as const, name: 'arc', primary: { host: '127.0.0.1', port: primary }, receiver: '1', line: '2',
  sites: { demo: { account: '1234' } }, ackTimeoutMs: 400, attempts: 2, supervisionSec: 0, ...extra,
});

describe('SIA DC-09 link', () => {
  it('sends a smoke alarm and its restore as Contact ID, zone = the device (clear, TCP)', async () => {
    const r = await receiver();
    const { outbox } = setUp([dc09(r.addresses.tcp!)]);
    outbox.append(draft('fire.smoke', 'smoke-2'));
    outbox.append(draft('fire.smoke', 'smoke-2', 'clear'));
    await waitFor('2 events', () => r.received.length === 2);
    expect(r.received.map((m) => m.data)).toEqual(['1111 01 002', '3111 01 002']);
    expect(r.received[0]).toMatchObject({ account: '1234', receiver: '1', line: '2', encrypted: false, token: 'ADM-CID', via: 'tcp' });
  });

  it('AES-128 SIA DC-03 over UDP: the receiver decrypts with the account key', async () => {
    const r = await receiver({ udpPort: 0 });
    const { outbox } = setUp([dc09(r.addresses.udp!, { protocol: 'udp', format: 'SIA-DCS', keyEnv: 'DC09_KEY' })]);
    outbox.append(draft('call.button', 'button-1'));
    const [m] = await waitFor('the call', () => r.received.length === 1 && r.received);
    expect(m).toMatchObject({ encrypted: true, via: 'udp', token: 'SIA-DCS', sia: { code: 'QA', zone: 3, area: 1 } });
  });

  it('NAK → sent again (same sequence number), recorded once', async () => {
    const r = await receiver({ nakFirst: 2 });
    const { outbox, upstream } = setUp([dc09(r.addresses.tcp!, { attempts: 3 })]);
    outbox.append(draft('fire.smoke', 'smoke-1'));
    await waitFor('the alarm acknowledged', () => upstream.status()[0]!.delivered === 1);
    expect(r.received).toHaveLength(1);
    expect(r.counts.nak).toBe(2);
    expect(upstream.status()[0]).toMatchObject({ delivered: 1, retries: 2, queued: 0 });
  });

  it('an ACK lost on the way back: the alarm is repeated with its sequence number and recorded once (exactly once at the receiver)', async () => {
    const r = await receiver({ loseFirstAcks: 1 });
    const { outbox, upstream } = setUp([dc09(r.addresses.tcp!, { attempts: 3 })]);
    outbox.append(draft('fire.smoke', 'smoke-1'));
    outbox.append(draft('fire.smoke', 'smoke-2'));
    await waitFor('both acknowledged', () => upstream.status()[0]!.delivered === 2);
    // The first came twice (its ACK lost), recognised by its sequence number: a sender that
    // numbered the repeat anew would have it recorded twice here.
    expect(r.counts.duplicates).toBe(1);
    expect(r.received.map((m) => m.contactId?.zone)).toEqual([1, 2]);
    expect(new Set(r.received.map((m) => m.seq)).size).toBe(2);
  });

  it('receiver down: events stay queued, link.receiver_down is raised; back up: delivered in order, once, and the trouble clears', async () => {
    const port = await freePort();
    const { outbox, stored } = setUp([dc09(port)]);
    const devices = ['smoke-1', 'smoke-2', 'smoke-1', 'smoke-2', 'smoke-1'];
    devices.forEach((d, i) => outbox.append(draft('fire.smoke', d, i % 2 ? 'clear' : 'raise')));
    await waitFor('link.receiver_down raised', () => stored.find((e) => e.kind === 'link.receiver_down' && e.action === 'raise'));
    const r = await receiver({ tcpPort: port });
    await waitFor('5 events', () => r.received.length === 5);
    expect(r.received.map((m) => m.contactId)).toEqual(devices.map((d, i) => ({ qualifier: i % 2 ? 'restore' : 'new', code: 111, partition: 1, zone: d === 'smoke-1' ? 1 : 2 })));
    await waitFor('link.receiver_down cleared', () => stored.find((e) => e.kind === 'link.receiver_down' && e.action === 'clear'));
    expect(r.counts.duplicates).toBe(0);
  });

  it('fails over to the backup when the primary is gone, and every alarm arrives once', async () => {
    const backup = await receiver();
    const deadPrimary = await freePort();
    const { outbox, upstream, stored } = setUp([dc09(deadPrimary, { backup: { host: '127.0.0.1', port: backup.addresses.tcp! } })]);
    for (let i = 0; i < 5; i++) outbox.append(draft('call.button', 'button-1', i % 2 ? 'clear' : 'raise'));
    await waitFor('5 at the backup', () => backup.received.length === 5);
    expect(upstream.status()[0]!.failovers).toBe(1);
    expect(stored.some((e) => e.kind === 'link.receiver_down')).toBe(false);
  });

  it('a hung receiver (no answer) fails over after its attempts time out', async () => {
    const hung = await receiver({ silent: true });
    const backup = await receiver();
    const { outbox } = setUp([dc09(hung.addresses.tcp!, { backup: { host: '127.0.0.1', port: backup.addresses.tcp! } })]);
    outbox.append(draft('fire.smoke', 'smoke-1'));
    await waitFor('at the backup', () => backup.received.length === 1);
  });

  it('DUH: refused for good, logged as gateway.trouble, not sent again; the next event goes through', async () => {
    const r = await receiver({ unknownCodes: ['ZZ'] });
    const { outbox, stored, upstream } = setUp([dc09(r.addresses.tcp!, { format: 'SIA-DCS', codes: { 'water.leak': { cid: 154, sia: 'ZZ', siaRestore: 'ZZ' } } })]);
    outbox.append(draft('water.leak', 'smoke-1'));
    outbox.append(draft('fire.smoke', 'smoke-1'));
    // The fire (life-safety lane) goes first; then the leak is refused.
    const trouble = await waitFor('the refusal', () => stored.find((e) => e.kind === 'gateway.trouble'));
    expect(r.received.map((m) => m.sia?.code)).toEqual(['FA']);
    expect(trouble.details).toMatchObject({ reason: 'upstream_refused', eventKind: 'water.leak' });
    expect(upstream.status()[0]).toMatchObject({ refused: 1, delivered: 1 });
  });

  it('a site\'s own zones and codes override the defaults (null keeps a kind off the link)', async () => {
    const r = await receiver();
    const { outbox, upstream } = setUp([dc09(r.addresses.tcp!, {
      sites: { demo: { account: '1234', zones: { 'smoke-1': 12 }, codes: { 'fire.test': null, 'call.button': { cid: 100, sia: 'MA', siaRestore: 'MH' } } } },
    })]);
    outbox.append(draft('fire.test', 'smoke-1', 'record'));
    outbox.append(draft('fire.smoke', 'smoke-1'));
    outbox.append(draft('call.button', 'button-1'));
    // Everything queued is through: the test was never queued, not merely late.
    await waitFor('the queue empty', () => upstream.status()[0]!.delivered === 2 && upstream.status()[0]!.queued === 0);
    expect(r.received.map((m) => m.data).sort()).toEqual(['1100 01 003', '1111 01 012']);
  });

  it('a NULL message tests an idle link', async () => {
    const r = await receiver();
    setUp([dc09(r.addresses.tcp!, { supervisionSec: 1 })]);
    await waitFor('a NULL', () => r.counts.nulls >= 1, 5000);
  });
});

describe('GB/T 26875.3 link', () => {
  const gb = (port: number, extra: Record<string, unknown> = {}) => ({
    kind: 'gb26875' as const, name: 'fire-centre', site: 'demo', centre: { host: '127.0.0.1', port }, address: 0x123456, confirmTimeoutMs: 400, heartbeatSec: 60, ...extra,
  });

  it('a smoke alarm reaches the centre as a component fire alarm; a deny is retried; care events stay off', async () => {
    const centre = new Gb26875Centre({ denyFirst: 1 });
    await centre.start();
    stops.push(() => centre.stop());
    const { outbox } = setUp([gb(centre.port)]);
    outbox.append(draft('call.button', 'button-1'));
    outbox.append(draft('fire.smoke', 'smoke-1'));
    const [f] = await waitFor('the fire frame', () => centre.received.length === 1 && centre.received) as ReceivedGbFrame[];
    expect(f).toMatchObject({ source: 0x123456, appType: 2 });
    expect(f!.units[0]).toMatchObject({ componentType: 40, componentAddress: 1, description: '三楼走廊烟感', status: { fire_alarm: true } });
    expect(centre.counts.denied).toBe(1);
  });

  it('takes the centre clock from its time sync and stamps frames with it', async () => {
    const centre = new Gb26875Centre();
    await centre.start();
    stops.push(() => centre.stop());
    const { outbox } = setUp([gb(centre.port)]);
    await waitFor('connected', () => centre.connections === 1);
    const centreTime = Date.parse('2030-01-01T00:00:00Z');
    centre.syncTime(centreTime);
    await waitFor('the device confirms the time sync', () => centre.counts.deviceConfirmed === 1); // then the alarm
    outbox.append(draft('fire.heat', 'smoke-1'));
    const [f] = await waitFor('the frame', () => centre.received.length === 1 && centre.received) as ReceivedGbFrame[];
    expect(Math.abs(f!.time! - centreTime)).toBeLessThan(5000);
  });

  it('answers the centre\'s reads of its status (81 → type 21) and its time (88 → type 28); denies what it does not know', async () => {
    const centre = new Gb26875Centre();
    await centre.start();
    stops.push(() => centre.stop());
    setUp([gb(centre.port)]);
    await waitFor('connected', () => centre.connections === 1);
    centre.request(81);
    const status = await waitFor('the status answer', () => centre.received.find((f) => f.appType === 21));
    expect(status.units[0]).toMatchObject({ status: { normal_running: true } });
    centre.request(88);
    const time = await waitFor('the time answer', () => centre.received.find((f) => f.appType === 28));
    expect(time.source).toBe(0x123456);
    centre.request(61, [1, 0]); // read the fire alarm system's status: this device keeps none
    await waitFor('the deny', () => centre.counts.deviceDenied === 1);
  });

  it('centre down: fire events stay queued and reach it in order, each once, with rising serials, when it is back', async () => {
    const port = await freePort();
    const { outbox, stored } = setUp([gb(port, { heartbeatSec: 1 })]);
    const sent = [
      draft('fire.smoke', 'smoke-1'), draft('fire.smoke', 'smoke-2'), draft('fire.smoke', 'smoke-1', 'clear'), draft('device.fault', 'smoke-2'),
    ];
    for (const d of sent) outbox.append(d);
    await waitFor('link.receiver_down raised', () => stored.find((e) => e.kind === 'link.receiver_down' && e.action === 'raise'), 8000);
    const centre = new Gb26875Centre({ port });
    await centre.start();
    stops.push(() => centre.stop());
    const frames = await waitFor('4 frames', () => centre.received.filter((f) => f.appType === 2).length === 4 && centre.received.filter((f) => f.appType === 2), 15_000);
    const units = frames.map((f) => f.units[0] as { componentAddress: number; status: Record<string, boolean> });
    expect(units.map((u) => [u.componentAddress, u.status.fire_alarm, u.status.fault, u.status.normal_running])).toEqual([
      [1, true, false, false], [2, true, false, false], [1, false, false, true], [2, false, true, false],
    ]);
    const serials = frames.map((f) => f.serial);
    expect([...serials].sort((a, b) => a - b)).toEqual(serials);
    expect(new Set(serials).size).toBe(4);
    expect(centre.counts.duplicates).toBe(0);
  });

  it('a lost centre raises link.receiver_down; the heartbeat finds it back and the trouble clears', async () => {
    const port = await freePort();
    const { stored } = setUp([gb(port, { heartbeatSec: 1 })]);
    await waitFor('raised', () => stored.find((e) => e.kind === 'link.receiver_down' && e.action === 'raise'), 8000);
    const centre = new Gb26875Centre({ port });
    await centre.start();
    stops.push(() => centre.stop());
    await waitFor('cleared', () => stored.find((e) => e.kind === 'link.receiver_down' && e.action === 'clear'), 15_000);
    expect(centre.counts.heartbeats).toBeGreaterThan(0);
  });
});

export type { ReceivedDc09 };
