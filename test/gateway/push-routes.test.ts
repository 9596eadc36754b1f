import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionGate } from '../../contract/connection-gate.ts';
import { buildPushPlatforms } from '../../gateway/push/push-config.ts';
import { PushDedupe } from '../../gateway/push/push-dedupe.ts';
import { PushListener } from '../../gateway/push/push-listener.ts';
import { oneNetSignature } from '../../devices/codecs/platform/index.ts';
import { buildPush, pushAsPlatform, sendPush } from '../../simulators/devices/platform-sim.ts';
import { HOME, type HomeHarness, homeHarness } from '../helpers/gateway-harness-home.ts';

/**
 * `POST /push/{platform}` over real HTTP (the gateway's own fastify on 127.0.0.1:0), real rules
 * and SQLite behind it. Bodies are built by the platform simulator in the shapes CTWing and
 * OneNET publish.
 */
const TOKENS = { ctwing: 'ctwing-secret-1', onenet: 'onenet-token-1', acme: 'acme-key-123' };
const CONFIG = {
  ctwing: { token: TOKENS.ctwing },
  onenet: { token: TOKENS.onenet, fields: { smoke: { field: 'smoke' }, battery: { field: 'battery' } } },
  generic: [{
    token: TOKENS.acme,
    mapping: {
      name: 'acme', deviceIdPath: 'imei', messageIdPath: 'msgId', tsPath: 'time',
      fields: { action: { path: 'key', map: { sos: 'emergency' } } },
      auth: { kind: 'hmac-sha256', header: 'x-acme-signature' },
    },
  }],
};
const TS = Date.UTC(2025, 2, 1, 8, 0, 0);

let h: HomeHarness;
let http: PushListener;
let url: string;

beforeEach(async () => {
  h = homeHarness();
  const built = buildPushPlatforms(CONFIG, {});
  if (!built.ok) throw new Error(built.errors.join('\n'));
  const dedupe = new PushDedupe(h.db);
  http = new PushListener({
    host: '127.0.0.1', port: 0, gate: new ConnectionGate(), registry: h.registry, rejections: h.rejections, metrics: h.metrics, log: h.log,
    platforms: built.platforms, dedupe,
    // The fixtures' platform time, a minute old: inside the freshness window.
    clock: () => TS + 60_000,
  });
  const a = await http.start();
  url = `http://${a.host}:${a.port}`;
});

afterEach(async () => {
  await http.stop();
  h.close();
});

const smoke = { platformDeviceId: HOME.ctwingDeviceId, data: { smoke_state: 1, battery_value: 90 }, ts: TS };
const rejected = (reason: Parameters<HomeHarness['rejections']['total']>[1]) => h.rejections.total('platform', reason);

describe('a platform push', () => {
  it('is stored once as a reading of the mapped device, and its events before the 200', async () => {
    const res = await pushAsPlatform(url, 'ctwing', smoke, TOKENS.ctwing);
    expect(res).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, unknownDevices: 0, ignored: 0 } });
    expect(h.readings).toEqual([expect.objectContaining({
      type: 'state', siteId: HOME.siteId, deviceId: HOME.ctwingSmoke, ts: TS,
      fields: { smoke: true, battery: 90 }, source: { transport: 'platform', link: 'ctwing' },
    })]);
    expect(h.events('life_safety').map((e) => [e.kind, e.deviceId])).toEqual([['fire.smoke', HOME.ctwingSmoke]]);
  });

  it('retried 3 times is stored once and answered 200 each time', async () => {
    const push = buildPush('ctwing', smoke, TOKENS.ctwing);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await sendPush(url, push));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.slice(1).map((a) => a.body)).toEqual(Array(3).fill({ accepted: 0, duplicates: 1, unknownDevices: 0, ignored: 0 }));
    expect(h.readings).toHaveLength(1);
    expect(h.events('life_safety')).toHaveLength(1);
    expect(h.metrics.value('carewatch_push_messages_total', { platform: 'ctwing', outcome: 'duplicate' })).toBe(3);
  });

  it('OneNET retries signed with a fresh nonce each time are still one message', async () => {
    const m = { platformDeviceId: HOME.oneNetDeviceId, data: { smoke: 1 }, ts: TS };
    for (let i = 0; i < 3; i++) expect((await pushAsPlatform(url, 'onenet', m, TOKENS.onenet)).status).toBe(200);
    expect(h.readings.map((r) => r.deviceId)).toEqual([HOME.oneNetSmoke]);
  });

  it('a OneNET batch (msg array) stores each data point', async () => {
    const res = await pushAsPlatform(url, 'onenet', { platformDeviceId: HOME.oneNetDeviceId, data: { smoke: 0, battery: 77 }, ts: TS }, TOKENS.onenet);
    expect(res.body).toMatchObject({ accepted: 2 });
    expect(h.readings.map((r) => (r.type === 'state' ? r.fields : r))).toEqual([{ smoke: false }, { battery: 77 }]);
  });

  it('an offline notification is an availability reading', async () => {
    await pushAsPlatform(url, 'ctwing', { platformDeviceId: HOME.ctwingDeviceId, online: false, ts: TS }, TOKENS.ctwing);
    expect(h.readings).toEqual([expect.objectContaining({ type: 'availability', online: false, deviceId: HOME.ctwingSmoke })]);
  });

  it('a generic platform signing with HMAC-SHA256 is accepted with its own message id', async () => {
    const raw = { imei: HOME.genericDeviceId, msgId: 'm-1', time: TS, key: 'sos' };
    const first = await pushAsPlatform(url, 'acme', { raw }, TOKENS.acme, { hmacHeader: 'x-acme-signature' });
    const retry = await pushAsPlatform(url, 'acme', { raw }, TOKENS.acme, { hmacHeader: 'x-acme-signature' });
    expect([first.body, retry.body]).toMatchObject([{ accepted: 1 }, { duplicates: 1 }]);
    expect(h.readings).toEqual([expect.objectContaining({ deviceId: HOME.genericButton, fields: { action: 'emergency' } })]);
  });
});

describe('refusals, counted', () => {
  it('a wrong CTWing token: 401 "auth"; a wrong OneNET signature or HMAC: 403 "bad_signature"; nothing stored', async () => {
    expect((await pushAsPlatform(url, 'ctwing', smoke, 'not-the-token')).status).toBe(401);
    expect((await pushAsPlatform(url, 'ctwing', smoke)).status).toBe(401);
    expect((await pushAsPlatform(url, 'onenet', { platformDeviceId: HOME.oneNetDeviceId, data: { smoke: 1 } }, 'wrong-token-x')).status).toBe(403);
    const raw = { imei: HOME.genericDeviceId, msgId: 'm-2', time: TS, key: 'sos' };
    expect((await pushAsPlatform(url, 'acme', { raw }, 'wrong-key-123', { hmacHeader: 'x-acme-signature' })).status).toBe(403);
    expect(rejected('auth')).toBe(2);
    expect(rejected('bad_signature')).toBe(2);
    expect(h.readings).toEqual([]);
  });

  it('a body that is not JSON: 400 "malformed_json"; JSON of the wrong shape: 400 "schema"', async () => {
    const broken = { path: `/push/ctwing?token=${TOKENS.ctwing}`, body: '{"messageType":"dataReport",', headers: { 'content-type': 'application/json' } };
    const res = await sendPush(url, broken);
    expect(res).toMatchObject({ status: 400, body: { reason: 'malformed_json' } });
    const shape = { ...broken, body: JSON.stringify({ messageType: 'dataReport', deviceId: 42, timestamp: TS }) };
    expect(await sendPush(url, shape)).toMatchObject({ status: 400, body: { reason: 'schema' } });
    expect(rejected('malformed_json')).toBe(1);
    expect(rejected('schema')).toBe(1);
  });

  it('an unknown device is counted and answered 200 (no retry will make it known)', async () => {
    const res = await pushAsPlatform(url, 'ctwing', { ...smoke, platformDeviceId: 'not-in-any-site' }, TOKENS.ctwing);
    expect(res).toEqual({ status: 200, body: { accepted: 0, duplicates: 0, unknownDevices: 1, ignored: 0 } });
    expect(rejected('unknown_device')).toBe(1);
    expect(h.readings).toEqual([]);
  });

  it('a platform not configured: 404, counted', async () => {
    expect((await pushAsPlatform(url, 'nbiot-x', smoke)).status).toBe(404);
    expect(rejected('unsupported')).toBe(1);
  });

  it('a body over the bound (64 KiB): 413 "oversize"', async () => {
    const big = { path: `/push/ctwing?token=${TOKENS.ctwing}`, body: JSON.stringify({ pad: 'x'.repeat(70_000) }), headers: { 'content-type': 'application/json' } };
    expect((await sendPush(url, big)).status).toBe(413);
    expect(rejected('oversize')).toBe(1);
  });

  it('a push whose event could not be stored gets 503 and is not remembered: the retry is taken', async () => {
    const push = buildPush('ctwing', smoke, TOKENS.ctwing);
    h.failNextPush();
    expect((await sendPush(url, push)).status).toBe(503);
    expect(await sendPush(url, push)).toMatchObject({ status: 200, body: { accepted: 1 } });
    expect(h.events('life_safety')).toHaveLength(1);
  });
});

describe('around the push route', () => {
  it('answers OneNET\'s URL verification by echoing msg when the signature holds', async () => {
    const q = (sig: string) => `${url}/push/onenet?msg=xR9kZ2&nonce=abc12345&signature=${encodeURIComponent(sig)}`;
    const good = await fetch(q(oneNetSignature(TOKENS.onenet, 'abc12345', 'xR9kZ2')));
    expect([good.status, await good.text()]).toEqual([200, 'xR9kZ2']);
    const bad = await fetch(q(oneNetSignature('other-token', 'abc12345', 'xR9kZ2')));
    expect(bad.status).toBe(403);
    expect(rejected('bad_signature')).toBe(1);
  });
});
