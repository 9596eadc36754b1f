import net from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PUSH_CONFIG } from '../../gateway/push/push-config.ts';
import { buildPush, oneNetPushBody, sendPush } from '../../simulators/devices/platform-sim.ts';
import { DEMO_SITES_DIR } from '../../simulators/demo/cli.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

/**
 * Issue 16, platform pushes probed from the network as an attacker would, against a real
 * gateway's push listener over real HTTP sockets.
 */
const HOME = join(DEMO_SITES_DIR, 'homes', 'home-0001.yaml');
const CTWING_DEVICE = '861234050000001';
const smoke = (ts: number, on = true) => ({ platformDeviceId: CTWING_DEVICE, ts, data: { smoke_state: on ? 1 : 0, battery_value: 87 } });

describe('a gateway with no push token configured (the demo default before issue 16)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sites: [HOME], gatewayOptions: { push: DEFAULT_PUSH_CONFIG } });
  });
  afterAll(async () => { await stack?.stop(); });

  it('refuses an unauthenticated CTWing push (fail closed): no fire alarm raised, refusal counted', async () => {
    const accepted = () => stack.gateway.metrics.value('carewatch_push_messages_total', { platform: 'ctwing', outcome: 'accepted' });
    const res = await sendPush(stack.pushUrl, buildPush('ctwing', smoke(Date.now())));
    expect(res).toMatchObject({ status: 401, body: { reason: 'auth' } });
    const withAnyToken = await sendPush(stack.pushUrl, buildPush('ctwing', smoke(Date.now()), 'any-token-will-do'));
    expect(withAnyToken.status).toBe(401);
    expect(stack.gateway.rejections.total('platform', 'auth')).toBe(2);
    expect(accepted()).toBe(0);
  });

  it('answers OneNET\'s URL check only with a token (no echo for anyone)', async () => {
    const res = await fetch(`${stack.pushUrl}/push/onenet?msg=abc&nonce=n1&signature=x`);
    expect(res.status).toBe(401);
  });
});

describe('a gateway with push tokens', () => {
  const TOKEN = 'ctwing-token-for-hostile-tests';
  const ONENET = 'onenet-token-for-hostile-tests';
  let stack: Stack;
  const logLines: string[] = [];
  beforeAll(async () => {
    const log = pino({ level: 'debug' }, { write: (line: string) => { logLines.push(line); } });
    stack = await startStack({ sites: [HOME], gatewayOptions: { push: { ctwing: { token: TOKEN }, onenet: { token: ONENET } }, log } });
  });
  afterAll(async () => { await stack?.stop(); });

  it('serves pushes on their own listener, not on the status page\'s port', async () => {
    const there = await sendPush(stack.gatewayHttpUrl, buildPush('ctwing', smoke(Date.now()), TOKEN));
    expect(there.status).toBe(404);
    const here = await sendPush(stack.pushUrl, buildPush('ctwing', smoke(Date.now(), false), TOKEN));
    expect(here).toMatchObject({ status: 200, body: { accepted: 1 } });
  });

  it('refuses a wrong token before reading the body: the answer comes while the body is still unsent', async () => {
    const port = Number(new URL(stack.pushUrl).port);
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let answer = '';
    const answered = new Promise<void>((resolve) => socket.on('data', (d) => { answer += d.toString(); if (answer.includes('\r\n\r\n')) resolve(); }));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    // Headers for a 1 MiB body, and not one byte of it.
    socket.write(`POST /push/ctwing?token=wrong-token-123 HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${1024 * 1024}\r\n\r\n`);
    await answered;
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    await closed; // and the connection is closed, not left to drain a megabyte
  });

  it('refuses a deeply nested body before parsing it, even with a good token; and a 64 KiB+ body', async () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const nested = await sendPush(stack.pushUrl, { path: `/push/ctwing?token=${TOKEN}`, body: deep, headers: { 'content-type': 'application/json' } });
    expect(nested).toMatchObject({ status: 413, body: { reason: 'oversize' } });
    const signedDeep = JSON.stringify({ ...oneNetPushBody({ platformDeviceId: '1', data: { smoke: 1 } }, 'not-the-token'), pad: JSON.parse('[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]') as unknown });
    expect((await sendPush(stack.pushUrl, { path: '/push/onenet', body: signedDeep, headers: { 'content-type': 'application/json' } })).status).toBe(413);
    const big = await sendPush(stack.pushUrl, { path: '/push/onenet', body: JSON.stringify({ msg: 'x'.repeat(70_000) }), headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
  });

  it('refuses a replay older than the dedupe remembers, and without the token a 1 ms shifted copy', async () => {
    const old = Date.now() - 49 * 3600_000;
    const replay = await sendPush(stack.pushUrl, buildPush('ctwing', smoke(old), TOKEN));
    expect(replay).toMatchObject({ status: 200, body: { accepted: 0, ignored: 1 } });
    expect(stack.gateway.rejections.total('platform', 'stale')).toBe(1);
    const shifted = buildPush('ctwing', smoke(Date.now() + 1));
    expect((await sendPush(stack.pushUrl, shifted)).status).toBe(401);
  });

  it('refuses a message dated more than 10 min ahead (a replay prepared for later), and an exact replay inside the window is a duplicate', async () => {
    const ahead = await sendPush(stack.pushUrl, buildPush('ctwing', smoke(Date.now() + 11 * 60_000), TOKEN));
    expect(ahead).toMatchObject({ status: 200, body: { accepted: 0, ignored: 1 } });
    expect(stack.gateway.rejections.total('platform', 'stale')).toBe(2);
    const once = buildPush('ctwing', smoke(Date.now() - 60_000), TOKEN);
    expect(await sendPush(stack.pushUrl, once)).toMatchObject({ status: 200, body: { accepted: 1 } });
    expect(await sendPush(stack.pushUrl, once)).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 1 } });
    expect(stack.gateway.metrics.value('carewatch_push_messages_total', { platform: 'ctwing', outcome: 'duplicate' })).toBe(1);
  });

  it('never logs the token of a push URL', async () => {
    // A body the route cannot take (413) and a broken one (400): both are logged with their URL.
    await sendPush(stack.pushUrl, { path: `/push/ctwing?token=${TOKEN}`, body: JSON.stringify({ pad: 'x'.repeat(70_000) }), headers: { 'content-type': 'application/json' } });
    await sendPush(stack.pushUrl, { path: `/push/ctwing?token=${TOKEN}`, body: '{"messageType":', headers: { 'content-type': 'application/json' } });
    expect(logLines.some((l) => l.includes('/push/ctwing'))).toBe(true);
    expect(logLines.filter((l) => l.includes(TOKEN))).toEqual([]);
  });
});
