import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, Event, hashSecret } from '../../contract/index.ts';
import type { AlarmTimeline, EscalationConfigInput } from '../../contract/index.ts';
import { event, tempDir } from '../server/helpers.ts';
import { WebhookReceiver } from '../server/webhook-receiver.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SECRET = 'restart-test-secret-0123456789';
const GATEWAY_TOKEN = 'tok-gw-restart-0123456789';
const ADMIN_TOKEN = 'tok-admin-restart-0123456789';
/** Short steps on the real clock: 0.5 s, 10 s (room for a loaded machine to kill before it), and one far away. */
const STEPS = [0.5, 10, 600];

const dir = tempDir('carewatch-escalation-restart-');
const receiver = new WebhookReceiver(SECRET);
let port = 0;
let child: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

/** `node carewatch.mjs server` as an operator starts it, on its data folder and escalation file. */
async function startServer(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [join(ROOT, 'carewatch.mjs'), 'server', '--data-dir', dir.path, '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, CAREWATCH_ESCALATION_FILE: join(dir.path, 'escalation.json'), CAREWATCH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return proc;
    if (Date.now() > deadline) throw new Error(`server not up within 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function kill9(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  process.kill(proc.pid!, 'SIGKILL');
  await exited;
}

const api = (path: string, init: RequestInit = {}, token = ADMIN_TOKEN) =>
  fetch(`http://127.0.0.1:${port}${API_PREFIX}${path}`, {
    ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
  });

beforeAll(async () => {
  await receiver.up();
  port = await freePort();
  writeFileSync(join(dir.path, 'provisioning.json'), JSON.stringify({
    users: [{ username: 'ops', role: 'admin', sites: ['site-a'], tokenHash: hashSecret(ADMIN_TOKEN) }],
    gateways: [{ gatewayId: 'gw-a', sites: ['site-a'], tokenHash: hashSecret(GATEWAY_TOKEN) }],
  }), { mode: 0o600 });
  const config: EscalationConfigInput = {
    channels: { hook: { kind: 'webhook', url: receiver.url, secret: SECRET, timeoutMs: 5_000, retry: { minMs: 200, maxMs: 1_000, maxAttempts: 20 } } },
    default: { rules: [{ severities: ['critical'], steps: STEPS.map((afterSec, i) => ({ afterSec, label: `step ${i + 1}`, notify: ['hook'] })) }] },
  };
  writeFileSync(join(dir.path, 'escalation.json'), JSON.stringify(config), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  if (child) await kill9(child);
  await receiver.down();
  dir.remove();
});

describe('escalation across a real server killed with SIGKILL mid-chain (issue 18)', () => {
  it('continues with the next step after the restart, late but never dropped, never from zero; an acknowledgement then stops it', async () => {
    child = await startServer();
    const raisedAt = Date.now();
    const e = Event.parse(event({ ts: raisedAt, createdAt: raisedAt }));
    const ingest = await api('/ingest', { method: 'POST', body: JSON.stringify({ gatewayId: 'gw-a', events: [e] }) }, GATEWAY_TOKEN);
    expect(ingest.status).toBe(200);

    const [first] = await receiver.waitFor(1, 30_000);
    expect(first!.signatureValid).toBe(true);
    expect(first!.payload.step).toEqual({ level: 1, label: 'step 1' });
    await kill9(child);
    const killedAt = Date.now();
    // Step 2 falls due while no server runs: wait for its deadline to pass, then start again.
    const step2Due = raisedAt + STEPS[1]! * 1000;
    if (Date.now() < step2Due + 500) await new Promise((r) => setTimeout(r, step2Due + 500 - Date.now()));
    const before = receiver.received.length;
    child = await startServer();

    const messages = await receiver.waitFor(before + 1, 30_000);
    const afterRestart = messages.slice(before);
    expect(afterRestart.map((m) => m.payload.step?.level)).toContain(2);
    expect(killedAt).toBeLessThan(step2Due); // it really was down across the deadline

    const alarmId = first!.payload.alarm.id;
    expect((await api(`/alarms/${alarmId}/ack`, { method: 'POST' })).status).toBe(200);
    const timeline = await (await api(`/alarms/${alarmId}/timeline`)).json() as AlarmTimeline;
    const steps = timeline.entries.filter((x) => x.action === 'alarm.escalated').map((x) => x.details.level);
    expect(steps).toEqual([1, 2]); // each step once: not restarted from zero after the kill
    const late = timeline.entries.find((x) => x.action === 'alarm.escalated' && x.details.level === 2)!;
    const onTime = timeline.entries.find((x) => x.action === 'alarm.escalated' && x.details.level === 1)!;
    // Deadlines count from the raise on the server's clock, as persisted: the restart kept them.
    expect(Number(late.details.dueAt) - Number(onTime.details.dueAt)).toBe((STEPS[1]! - STEPS[0]!) * 1000);
    expect(Number(late.details.lateMs)).toBeGreaterThan(0);
    expect(timeline.alarm).toMatchObject({ status: 'active_ack', escalationLevel: 2, ackedBy: 'ops' });
    // Every webhook carried a valid signature, and level 1 went out under one delivery id however often it was tried.
    expect(receiver.received.every((m) => m.signatureValid)).toBe(true);
    const level1 = receiver.received.filter((m) => m.payload.step?.level === 1);
    expect(new Set(level1.map((m) => m.payload.deliveryId)).size).toBe(1);
  }, 120_000);
});
