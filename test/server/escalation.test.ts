import { afterEach, describe, expect, it } from 'vitest';
import { API_PREFIX, Event } from '../../contract/index.ts';
import type { Alarm, AlarmTimeline, AuditRecord, EscalationConfigInput, EventInput } from '../../contract/index.ts';
import { buildServer } from '../../server/app.ts';
import type { ServerOptions } from '../../server/app.ts';
import { ALL_GRANT } from '../../server/services/scope.ts';
import { actor, authorityOf, homeDocument, principalWith, putRegions } from './registry-fixture.ts';
import { bearer, event, fakeClock, makeProvisioning, TEST_PASSWORD_COST, tempDir } from './helpers.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

const SECRET = 'test-webhook-secret-0123456789';
const T0 = Date.UTC(2025, 0, 15, 8, 0, 0);

/** Issue 18's example policy, with webhooks to a real receiver: 60 s call centre, 3 min duty manager; a confirmed fire at once. */
function config(receiver: WebhookReceiver, extra: Partial<EscalationConfigInput> = {}): EscalationConfigInput {
  return {
    channels: {
      stream: { kind: 'stream' },
      hook: { kind: 'webhook', url: receiver.url, secret: SECRET, timeoutMs: 2_000, retry: { minMs: 1000, maxMs: 5000, maxAttempts: 5 } },
      family: { kind: 'contacts', via: 'hook', confirmWithinSec: 120 },
    },
    default: {
      rules: [
        { kinds: ['fire.confirmed'], steps: [{ afterSec: 0, label: 'fire department', notify: ['hook'] }] },
        { kinds: ['wearable.sos'], steps: [{ afterSec: 0, label: 'family', notify: ['family'] }] },
        { severities: ['critical'], steps: [
          { afterSec: 60, label: 'call centre', notify: ['stream', 'hook'] },
          { afterSec: 180, label: 'duty manager', notify: ['hook'] },
        ] },
      ],
      resignalAfterSec: 300,
    },
    ...extra,
  };
}

interface Rig {
  app: Awaited<ReturnType<typeof buildServer>>;
  clock: ReturnType<typeof fakeClock>;
  tokens: ReturnType<typeof makeProvisioning>['tokens'];
  receiver: WebhookReceiver;
  /** Moves the clock on and runs whatever fell due, waiting for webhook attempts to finish. */
  tick(ms: number): Promise<void>;
  restart(advanceMs: number): Promise<void>;
  raise(overrides?: Partial<EventInput>): Promise<Alarm>;
  post(path: string, payload?: object, token?: string): Promise<{ statusCode: number; json: () => any }>;
  timeline(id: string): Promise<AuditRecord[]>;
  alarm(id: string): Promise<Alarm>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rig(escalation?: (r: WebhookReceiver) => EscalationConfigInput): Promise<Rig> {
  const dir = tempDir('carewatch-escalation-');
  const receiver = new WebhookReceiver(SECRET);
  await receiver.up();
  const clock = fakeClock(T0);
  const { provisioning, tokens } = makeProvisioning();
  const options = (): ServerOptions => ({
    dataDir: dir.path, provisioning, clock: clock.now, passwordCost: TEST_PASSWORD_COST,
    escalation: { manual: true, config: (escalation ?? config)(receiver), publicUrl: 'https://carewatch.example' },
  });
  const r = { clock, tokens, receiver } as Rig;
  r.app = await buildServer(options());
  cleanups.push(async () => {
    await r.app.close();
    await receiver.down();
    dir.remove();
  });
  r.tick = async (ms) => {
    clock.advance(ms);
    await r.app.escalation.runDue();
    await r.app.escalation.settled();
  };
  r.restart = async (advanceMs) => {
    await r.app.close();
    clock.advance(advanceMs);
    r.app = await buildServer(options());
    await r.app.escalation.runDue();
    await r.app.escalation.settled();
  };
  r.raise = async (overrides = {}) => {
    const e = Event.parse(event({ ts: clock.now(), ...overrides }));
    await r.app.alarms.ingest('gw-a', [e]);
    await r.app.escalation.runDue();
    await r.app.escalation.settled();
    const alarm = await r.app.store.read((tx) => tx.alarms.findOpen({ siteId: e.siteId, subject: e.subject, kind: e.kind }));
    if (!alarm) throw new Error('no alarm raised');
    return alarm;
  };
  r.post = (path, payload, token = tokens.staffA) => r.app.inject({ method: 'POST', url: `${API_PREFIX}${path}`, headers: bearer(token), ...(payload ? { payload } : {}) });
  r.timeline = async (id) => {
    const response = await r.app.inject({ method: 'GET', url: `${API_PREFIX}/alarms/${id}/timeline`, headers: bearer(tokens.admin) });
    expect(response.statusCode).toBe(200);
    return (response.json() as AlarmTimeline).entries;
  };
  r.alarm = async (id) => (await r.app.store.read((tx) => tx.alarms.get(id)))!;
  return r;
}

const escalations = (entries: AuditRecord[]) => entries.filter((e) => e.action === 'alarm.escalated').map((e) => [e.details.level, e.details.label]);

describe('escalation in controlled time (issue 18)', () => {
  it('takes each step at its deadline on the server clock, stamped by the server, on the stream and to the signed webhook', async () => {
    const r = await rig();
    const alarm = await r.raise();
    await r.tick(59_000);
    expect((await r.alarm(alarm.id)).escalationLevel).toBe(0);
    await r.tick(1_000);
    expect(await r.alarm(alarm.id)).toMatchObject({ escalationLevel: 1, escalatedTo: 'call centre', status: 'active_unack' });
    const [first] = await r.receiver.waitFor(1);
    expect(first!.signatureValid).toBe(true);
    expect(first!.payload).toMatchObject({ type: 'alarm.escalated', step: { level: 1, label: 'call centre' }, alarm: { id: alarm.id, kind: 'call.button' } });
    expect(Number(first!.headers['x-carewatch-timestamp'])).toBe(T0 + 60_000);
    await r.tick(120_000);
    expect(await r.alarm(alarm.id)).toMatchObject({ escalationLevel: 2, escalatedTo: 'duty manager' });
    const entries = await r.timeline(alarm.id);
    expect(escalations(entries)).toEqual([[1, 'call centre'], [2, 'duty manager']]);
    expect(entries.find((e) => e.action === 'alarm.escalated')).toMatchObject({ actor: 'server', from: null, at: T0 + 60_000 });
    // The stream carries the step: an `escalated` change in the persisted change log.
    const changes = await r.app.store.read((tx) => tx.alarms.changesAfter(0, 100));
    expect(changes.map((c) => c.change)).toEqual(['raised', 'escalated', 'escalated']);
  });

  it('an acknowledgement stops the chain: no later step, before or after a restart', async () => {
    const r = await rig();
    const alarm = await r.raise();
    await r.tick(60_000);
    expect((await r.post(`/alarms/${alarm.id}/ack`)).statusCode).toBe(200);
    await r.tick(150_000); // past the 3-minute step
    await r.restart(10_000);
    expect(escalations(await r.timeline(alarm.id))).toEqual([[1, 'call centre']]);
    const pending = await r.app.store.read((tx) => tx.timers.ofAlarm(alarm.id));
    expect(pending.map((t) => t.kind)).toEqual(['resignal']);
  });

  it('survives a restart mid-chain: continues with the next step, late, never from zero, never dropped', async () => {
    const r = await rig();
    const alarm = await r.raise();
    await r.tick(60_000);
    // Down from 60 s to 200 s: the 180 s step fell due while no server ran.
    await r.restart(140_000);
    expect(await r.alarm(alarm.id)).toMatchObject({ escalationLevel: 2, escalatedTo: 'duty manager' });
    const entries = await r.timeline(alarm.id);
    expect(escalations(entries)).toEqual([[1, 'call centre'], [2, 'duty manager']]);
    expect(entries.filter((e) => e.action === 'alarm.escalated')[1]!.details).toMatchObject({ dueAt: T0 + 180_000, lateMs: 20_000 });
  });

  it('sends fire.confirmed to the fire department at once', async () => {
    const r = await rig();
    const alarm = await r.raise({ kind: 'fire.confirmed', subject: 'zone:z1', deviceId: undefined });
    expect(await r.alarm(alarm.id)).toMatchObject({ escalationLevel: 1, escalatedTo: 'fire department' });
    const [message] = await r.receiver.waitFor(1);
    expect(message!.payload).toMatchObject({ type: 'alarm.escalated', step: { label: 'fire department' }, alarm: { kind: 'fire.confirmed' } });
    expect(Number(message!.headers['x-carewatch-timestamp'])).toBe(T0); // no clock moved: at once
  });
});

describe('webhooks against a real receiver that is down, slow, then back', () => {
  it('retries with backoff, records every attempt, and delivers once it is back, under one delivery id', async () => {
    const r = await rig();
    await r.receiver.down();
    const alarm = await r.raise({ kind: 'fire.confirmed', subject: 'zone:z1', deviceId: undefined });
    r.receiver.mode = 'slow';
    await r.receiver.up(); // same port, answering after 5 s; the channel waits 2 s
    await r.tick(5_000);
    r.receiver.mode = 'up';
    await r.tick(10_000);
    const attempts = (await r.timeline(alarm.id)).filter((e) => e.action === 'alarm.notified');
    expect(attempts.map((e) => [e.details.attempt, e.details.result, e.details.status])).toEqual([
      [1, 'failed', null], [2, 'failed', null], [3, 'delivered', 200],
    ]);
    expect(attempts[0]!.details.error).toMatch(/ECONNREFUSED/);
    expect(attempts[1]!.details.error).toBe('no answer within 2000 ms');
    const received = await r.receiver.waitFor(2);
    expect(received.every((m) => m.signatureValid)).toBe(true);
    expect(new Set(received.map((m) => r.receiver.deliveryIdOf(m))).size).toBe(1);
    expect(received[0]!.payload.deliveryId).toBe(r.receiver.deliveryIdOf(received[0]!));
    expect(await r.app.store.read((tx) => tx.timers.ofAlarm(alarm.id, ['deliver']))).toEqual([]);
    const metrics = await r.app.metrics.render();
    expect(metrics).toMatch(/carewatch_webhook_attempts_total\{channel="hook",result="failed"\} 2/);
    expect(metrics).toMatch(/carewatch_webhook_attempts_total\{channel="hook",result="delivered"\} 1/);
  });

  it('gives up after the last attempt, loudly: audited, counted', async () => {
    const r = await rig();
    r.receiver.mode = 'fail';
    const alarm = await r.raise({ kind: 'fire.confirmed', subject: 'zone:z1', deviceId: undefined });
    for (let i = 0; i < 5; i += 1) await r.tick(5_000);
    const attempts = (await r.timeline(alarm.id)).filter((e) => e.action === 'alarm.notified');
    expect(attempts.map((e) => e.details.result)).toEqual(['failed', 'failed', 'failed', 'failed', 'gave_up']);
    expect(attempts.every((e) => e.details.status === 500)).toBe(true);
    expect(await r.app.metrics.render()).toMatch(/carewatch_webhook_attempts_total\{channel="hook",result="gave_up"\} 1/);
  });
});

describe('re-signal and staff presence', () => {
  it('an acknowledged alarm not cleared in 5 min comes back unacknowledged, and its chain goes on from where it stopped', async () => {
    const r = await rig();
    const alarm = await r.raise();
    await r.tick(60_000);
    await r.post(`/alarms/${alarm.id}/ack`);
    await r.tick(299_000);
    expect((await r.alarm(alarm.id)).status).toBe('active_ack');
    await r.tick(1_000);
    expect(await r.alarm(alarm.id)).toMatchObject({ status: 'active_unack', ackedBy: null, ackedAt: null });
    // The next step keeps its configured gap (180 s − 60 s) from the re-signal.
    await r.tick(119_000);
    expect((await r.alarm(alarm.id)).escalationLevel).toBe(1);
    await r.tick(1_000);
    expect((await r.alarm(alarm.id)).escalationLevel).toBe(2);
    const actions = (await r.timeline(alarm.id)).map((e) => `${e.action}:${e.actor}`);
    expect(actions).toEqual(['alarm.raised:gateway:gw-a', 'alarm.escalated:server', 'alarm.notified:server', 'alarm.acknowledged:staffA',
      'alarm.resignalled:server', 'alarm.escalated:server', 'alarm.notified:server']);
  });

  it('a cleared alarm is not re-signalled', async () => {
    const r = await rig();
    const alarm = await r.raise();
    await r.post(`/alarms/${alarm.id}/ack`);
    await r.app.alarms.ingest('gw-a', [Event.parse(event({ action: 'clear', ts: r.clock.now() + 1 }))]);
    await r.tick(600_000);
    expect((await r.alarm(alarm.id)).status).toBe('cleared_ack');
    expect((await r.timeline(alarm.id)).map((e) => e.action)).not.toContain('alarm.resignalled');
  });

  it('presence ("attending") holds the re-signal while staff are with the resident; leaving gives a full period again', async () => {
    const r = await rig();
    const alarm = await r.raise();
    await r.post(`/alarms/${alarm.id}/ack`);
    const attending = await r.post(`/alarms/${alarm.id}/attend`, { present: true });
    expect(attending.statusCode).toBe(200);
    expect(attending.json()).toMatchObject({ attendedBy: 'staffA', attendedAt: new Date(T0).toISOString() });
    await r.tick(20 * 60_000);
    expect((await r.alarm(alarm.id)).status).toBe('active_ack');
    expect((await r.post(`/alarms/${alarm.id}/attend`, { present: false })).json()).toMatchObject({ attendedBy: null });
    await r.tick(299_000);
    expect((await r.alarm(alarm.id)).status).toBe('active_ack');
    await r.tick(1_000);
    expect((await r.alarm(alarm.id)).status).toBe('active_unack');
  });
});

describe('emergency contacts, in turn until one confirms', () => {
  it('messages each contact of the resident through the webhook until one confirms with their token', async () => {
    const r = await rig();
    await putRegions(r.app);
    const root = principalWith(r.app, 'admin', ALL_GRANT, 'root');
    await r.app.sites.putSite(actor, { siteId: 'home-e1', gatewayId: 'gw-a', document: homeDocument('home-e1', 'east') }, authorityOf(r.app, root));
    const alarm = await r.raise({ siteId: 'home-e1', kind: 'wearable.sos', subject: 'resident:r1', residentId: 'r1', deviceId: 'watch', roomId: undefined });
    const [first] = await r.receiver.waitFor(1);
    expect(first!.payload).toMatchObject({
      type: 'alarm.contact',
      contact: { name: '子女', relation: '女儿', phone: '+86 139 0000 1001', position: 1, confirmUrl: `https://carewatch.example/api/v1/alarms/${alarm.id}/confirm` },
    });
    await r.tick(119_000);
    expect(r.receiver.received).toHaveLength(1);
    await r.tick(1_000);
    const [, second] = await r.receiver.waitFor(2);
    expect(second!.payload.contact).toMatchObject({ name: '社区网格员', position: 2 });

    const confirm = (token: string) => r.app.inject({ method: 'POST', url: `${API_PREFIX}/alarms/${alarm.id}/confirm`, payload: { token } });
    const wrong = await confirm('x'.repeat(32));
    expect(wrong.statusCode).toBe(404);
    const ok = await confirm(second!.payload.contact!.token);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ alarmId: alarm.id, confirmed: true, contact: 2 });
    expect((await confirm(second!.payload.contact!.token)).statusCode).toBe(404); // once
    await r.tick(600_000);
    expect(r.receiver.received).toHaveLength(2);
    const entries = await r.timeline(alarm.id);
    expect(entries.filter((e) => e.action === 'resident.viewed').map((e) => [e.actor, e.details.purpose])).toEqual([
      ['server', 'emergency contact call'], ['server', 'emergency contact call'],
    ]);
    expect(entries.find((e) => e.action === 'alarm.contact_confirmed')).toMatchObject({ actor: 'contact:2', details: { position: 2 } });
    // The contact's phone is personal data: never in the store unsealed.
    const rows = await r.app.store.read((tx) => tx.timers.ofAlarm(alarm.id));
    expect(JSON.stringify(rows)).not.toContain('139 0000');
  });
});
