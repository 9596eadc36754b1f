import { createHash, createHmac } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { DeviceFields } from '../../contract/index.ts';
import {
  createCtwingMapping, createOneNetMapping, createGenericJsonMapping, decodePush, parseJsonBody,
  type FieldMap, type PlatformMapping, type PlatformMessage, type PushRequest,
} from '../../devices/codecs/platform/index.ts';

/**
 * Carriers' IoT-platform pushes. Golden inputs are real pushes copied verbatim from public
 * sources (index ids are those of the stored public source texts, searchable by their content):
 *
 * CTWing (China Telecom AIoT), format: https://www.ctwing.cn/dyts/103 (subscription push;
 *   summarised at https://geekdaxue.co/read/softdev@iot/iq3b9f):
 * - CTW_SMOKE: NB-IoT smoke detector dataReport with {serviceId, serviceData}, from the Java source
 *   `com.smart.device.message.parse.fire.smoke.lian.constant.LiAnSmokeEnum` ("参考数据" comment),
 *   public GitHub code index id 6024768809.
 * - CTW_ONLINE, CTW_COMMAND, CTW_APPDATA: deviceOnlineOfflineReport, commandResponse and a
 *   transparent (APPdata) dataReport logged from a Huaqiang water-pressure device, Java source
 *   `com.smart.device.message.parse.fire.waterpress.water.huaqiang.controller.WaterController`,
 *   index id 6447155716.
 * - CTW_LOW_BATTERY, CTW_FLAT: eventReport "低电量" and a flat-payload dataReport from a CTWing
 *   subscription write-up (markdown "事件上报 / 数据上报", index id 995104274); its `//` comments removed.
 * OneNET (China Mobile), format and signature:
 *   https://open.iot.10086.cn/doc/book/application-develop/httppush/develop-manual.html
 * - ONENET_DP: a captured type-1 push (User-Agent OneNET, remote 183.230.102.86) pasted in a
 *   workerman PHP config, index id 38899046804. Its msg_signature was made with the author's
 *   token, which is not public: it serves as a "bad signature for our token" case.
 * - The type-2 online message is assembled from the documented fields (dev_id, status, login_type, at).
 */
const CTW_SMOKE = '{"upPacketSN":-1,"upDataSN":-1,"topic":"v1/up/ad19prof","timestamp":1606982320277,"tenantId":"10461180","serviceId":"","protocol":"lwm2m","productId":"15014772","payload":{"serviceId":"notification","serviceData":{"TData":30,"SNR":1,"RSRP":114,"IMEI":"860374051096202","Cell_ID_Length":8,"Cell_ID":"38848339","CSQ":5,"Battery_Level":100,"Alarm_Status":2,"AlarmLevel":100}},"messageType":"dataReport","deviceType":"","deviceId":"acf7baaee65e431eadfb8f5fe50e8b81","assocAssetId":"","IMSI":"undefined","IMEI":"860374051096202"}';
const CTW_ONLINE = '{"timestamp":1589444231825,"tenantId":"10461180","protocol":"lwm2m","productId":"10053421","messageType":"deviceOnlineOfflineReport","iccid":"undefined","eventType":1,"deviceId":"44d0b9e48d404094bbbcf889e4e64ece"}';
const CTW_COMMAND = '{"timestamp":1589444233258,"tenantId":"10461180","taskId":1,"result":{"resultDetail":"","resultCode":"DELIVERED"},"protocol":"lwm2m","productId":"10053421","messageType":"commandResponse","deviceId":"44d0b9e48d404094bbbcf889e4e64ece"}';
const CTW_APPDATA = '{"upPacketSN":"","upDataSN":"","topic":"v1/up/ad","timestamp":1589444235861,"tenantId":"10461180","serviceId":"","protocol":"lwm2m","productId":"10053421","payload":{"APPdata":"UFUAPBAAAAYBAAMAJwMnuwpogDAwYGckCQYAAQAADjxkZAJVcVCnAAAAAAAAAEYAAAAAAAAAAAEDJ7sKAAAAAA=="},"messageType":"dataReport","deviceType":"","deviceId":"44d0b9e48d404094bbbcf889e4e64ece","assocAssetId":"","IMSI":"undefined","IMEI":"860803030676429"}';
const CTW_LOW_BATTERY = '{"timestamp":1619523767263,"tenantId":"2000033827","serviceId":1002,"protocol":"lwm2m","productId":"15045240","messageType":"eventReport","eventType":2,"eventContent":{"battery_voltage":1,"battery_state":1},"deviceSn":"","deviceId":"d01308047f864601a821e02dc328eab4","IMSI":"undefined","IMEI":"161941770261953"}';
const CTW_FLAT = '{"upPacketSN":-1,"upDataSN":-1,"topic":"v1/up/ad19","timestamp":1619524024049,"tenantId":"2000033827","serviceId":10,"protocol":"lwm2m","productId":"15045240","payload":{"time":1619524019000,"longitude":-174,"latitude":-86},"messageType":"dataReport","deviceType":"","deviceId":"d01308047f864601a821e02dc328eab4","assocAssetId":"","IMSI":"undefined","IMEI":"161941770261953"}';
const ONENET_DP = '{"msg":{"at":1555904805407,"imei":"861931046156398","type":1,"ds_id":"3300_0_5700","value":-115,"dev_id":523444202},"msg_signature":"9XFwVl4VRJ2Lub2ryUJK8g==","nonce":"C1z3?giR"}';

const NOW = 1_700_000_000_000;

function req(body: string, extra: Partial<PushRequest> = {}): PushRequest {
  return { headers: {}, rawBody: Buffer.from(body), ...extra };
}

function pushOk(mapping: PlatformMapping, body: string, secret?: string, extra: Partial<PushRequest> = {}): PlatformMessage[] {
  const d = decodePush(mapping, req(body, extra), secret, NOW);
  if (!d.ok) throw new Error(`rejected: ${d.reason} ${d.detail}`);
  for (const m of d.value) expect(DeviceFields.safeParse(m.fields).success).toBe(true);
  return d.value;
}

/** OneNET's rule, written out independently of the codec: base64(md5(token + nonce + msg)). */
function oneNetSign(token: string, nonce: string, msg: string): string {
  return createHash('md5').update(token + nonce + msg).digest('base64');
}

describe('CTWing', () => {
  const ctwing = createCtwingMapping({
    products: {
      // As an integrator would configure it from the vendor's sheet for product 15014772.
      '15014772': { fields: { Battery_Level: { field: 'battery' }, Alarm_Status: { field: 'smoke', map: { 0: false, 1: false, 2: true } } } },
    },
  });

  it('smoke-detector dataReport: service data mapped by the product field map', () => {
    const [m, ...rest] = pushOk(ctwing, CTW_SMOKE);
    expect(rest).toEqual([]);
    expect(m).toMatchObject({
      platformDeviceId: 'acf7baaee65e431eadfb8f5fe50e8b81', ts: 1606982320277, kind: 'data',
      fields: { battery: 100, smoke: true },
    });
    expect(m!.messageId).toMatch(/^ctwing:[0-9a-f]{32}$/);
  });

  it('without a product map the model-specific names map to nothing (field names differ per model)', () => {
    const [m] = pushOk(createCtwingMapping(), CTW_SMOKE);
    expect(m!.fields).toEqual({});
  });

  it('default names of common detectors: eventReport battery_state 1 is low battery', () => {
    const [m] = pushOk(createCtwingMapping(), CTW_LOW_BATTERY);
    expect(m).toMatchObject({ kind: 'event', ts: 1619523767263, fields: { battery_low: true } });
  });

  it('a flat payload is read as service data (contract names pass through)', () => {
    const [m] = pushOk(createCtwingMapping(), CTW_FLAT);
    expect(m!.fields).toEqual({ latitude: -86, longitude: -174 });
  });

  it('deviceOnlineOfflineReport: eventType 1 online, 0 offline', () => {
    const [on] = pushOk(ctwing, CTW_ONLINE);
    expect(on).toMatchObject({ kind: 'availability', online: true, fields: {}, platformDeviceId: '44d0b9e48d404094bbbcf889e4e64ece' });
    const [off] = pushOk(ctwing, CTW_ONLINE.replace('"eventType":1', '"eventType":0'));
    expect(off).toMatchObject({ online: false });
    expect(off!.messageId).not.toBe(on!.messageId);
  });

  it('commandResponse is our own receipt: no messages', () => {
    expect(pushOk(ctwing, CTW_COMMAND)).toEqual([]);
  });

  it('transparent APPdata: liveness only without a decoder, fields through a product decoder', () => {
    expect(pushOk(ctwing, CTW_APPDATA)[0]!.fields).toEqual({});
    const withDecoder = createCtwingMapping({ products: { '10053421': { decodeAppData: (b) => ({ battery: b[0] === 0x50 ? 55 : 0 }) } } });
    expect(pushOk(withDecoder, CTW_APPDATA)[0]!.fields).toEqual({ battery: 55 });
  });

  it('drops out-of-range values with a note instead of losing the message', () => {
    const [m] = pushOk(createCtwingMapping(), CTW_LOW_BATTERY.replace('"battery_voltage":1', '"battery_value":150,"smoke_state":1'));
    expect(m!.fields).toEqual({ battery_low: true, smoke: true });
    expect(m!.dropped).toEqual([expect.stringContaining('battery_value=150')]);
  });

  it('the message id survives a retry re-serialised in another key order, and differs per report', () => {
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(CTW_SMOKE) as object).reverse()));
    expect(pushOk(ctwing, reordered)[0]!.messageId).toBe(pushOk(ctwing, CTW_SMOKE)[0]!.messageId);
    const later = CTW_SMOKE.replace('1606982320277', '1606982380277');
    expect(pushOk(ctwing, later)[0]!.messageId).not.toBe(pushOk(ctwing, CTW_SMOKE)[0]!.messageId);
  });

  it.each([
    ['not json', 'malformed_json', 'not JSON'],
    ['[]', 'schema', 'JSON object'],
    ['{"deviceId":"d","timestamp":1}', 'schema', 'messageType'],
    ['{"messageType":"dataReport","timestamp":1}', 'schema', 'deviceId'],
    ['{"messageType":"dataReport","deviceId":"d","timestamp":"x"}', 'schema', 'timestamp'],
    ['{"messageType":"dataReport","deviceId":"d","timestamp":1,"payload":[]}', 'schema', 'payload'],
    ['{"messageType":"dataReport","deviceId":"d","timestamp":1,"payload":{"serviceData":5}}', 'schema', 'serviceData'],
    ['{"messageType":"deviceOnlineOfflineReport","deviceId":"d","timestamp":1,"eventType":7}', 'schema', 'eventType'],
    ['{"messageType":"somethingNew","deviceId":"d","timestamp":1}', 'unsupported', 'somethingNew'],
  ])('rejects %s as %s', (body, reason, detail) => {
    const d = decodePush(ctwing, req(body), undefined, NOW);
    expect(d).toMatchObject({ ok: false, reason });
    if (!d.ok) expect(d.detail).toContain(detail);
  });

  it('CTWing does not sign: a configured secret must come back as ?token= or the push-token header', () => {
    expect(ctwing.verify(req(CTW_ONLINE, { query: { token: 's3cret' } }), 's3cret').ok).toBe(true);
    expect(ctwing.verify(req(CTW_ONLINE, { headers: { 'x-carewatch-push-token': 's3cret' } }), 's3cret').ok).toBe(true);
    expect(ctwing.verify(req(CTW_ONLINE, { query: { token: 'guess' } }), 's3cret')).toMatchObject({ ok: false, reason: 'auth' });
    expect(ctwing.verify(req(CTW_ONLINE), 's3cret')).toMatchObject({ ok: false, reason: 'auth' });
  });
});

describe('OneNET', () => {
  const onenet = createOneNetMapping({ fields: { '3300_0_5700': { field: 'temperature' }, smoke: { field: 'smoke' } } });
  const TOKEN = 'carewatch-token';

  function signed(body: Record<string, unknown>, msgText: string, nonce = 'abcdefgh'): string {
    return JSON.stringify({ ...body, nonce, msg_signature: oneNetSign(TOKEN, nonce, msgText) }).replace('"msg":"@@MSG@@"', `"msg":${msgText}`);
  }

  it('type 1 data point (captured push): ds_id looked up in the field map, dev_id names the device', () => {
    const [m, ...rest] = pushOk(onenet, ONENET_DP);
    expect(rest).toEqual([]);
    expect(m).toMatchObject({ platformDeviceId: '523444202', ts: 1555904805407, kind: 'data' });
    // -115 (a signal level, by its look) is no temperature: dropped with the reason, message kept.
    expect(m!.fields).toEqual({});
    expect(m!.dropped).toEqual([expect.stringMatching(/^3300_0_5700=-115: temperature/)]);
    const asBattery = createOneNetMapping({ fields: { '3300_0_5700': { field: 'battery', scale: -0.5 } } });
    expect(pushOk(asBattery, ONENET_DP)[0]!.fields).toEqual({ battery: 57.5 });
  });

  it('can name devices by IMEI instead', () => {
    expect(pushOk(createOneNetMapping({ deviceIdKey: 'imei' }), ONENET_DP)[0]!.platformDeviceId).toBe('861931046156398');
  });

  it('the captured signature was made with another token: bad_signature for ours', () => {
    expect(onenet.verify(req(ONENET_DP), TOKEN)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('verifies base64(md5(token + nonce + msg)) over the msg text as it arrived', () => {
    const msgText = '{ "at": 1555904805407, "type": 1, "ds_id": "smoke", "value": 1, "dev_id": 523444202 }';
    const body = signed({ msg: '@@MSG@@' }, msgText);
    expect(onenet.verify(req(body), TOKEN)).toEqual({ ok: true, value: undefined });
    expect(pushOk(onenet, body, TOKEN)[0]!.fields).toEqual({ smoke: true });
  });

  it('also accepts the signature over the compact re-serialisation (how OneNET SDKs compute it)', () => {
    const msg = { at: 1, type: 1, ds_id: 'smoke', value: 0, dev_id: 7 };
    const body = JSON.stringify({ msg, nonce: 'nOnCe123', msg_signature: oneNetSign(TOKEN, 'nOnCe123', JSON.stringify(msg)) }, null, 2);
    expect(onenet.verify(req(body), TOKEN).ok).toBe(true);
  });

  it('rejects a tampered msg, a wrong token, and a missing signature', () => {
    const msgText = '{"at":1,"type":1,"ds_id":"smoke","value":0,"dev_id":7}';
    const body = signed({ msg: '@@MSG@@' }, msgText);
    expect(onenet.verify(req(body.replace('"value":0', '"value":1')), TOKEN)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(onenet.verify(req(body), 'other-token')).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(onenet.verify(req(`{"msg":${msgText}}`), TOKEN)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(onenet.verify(req('{"msg":'), TOKEN)).toMatchObject({ ok: false, reason: 'malformed_json' });
  });

  it('type 2 online/offline and batch msg arrays; type 7 command results are skipped', () => {
    const body = JSON.stringify({ msg: [
      { at: 1000, login_type: 10, type: 2, dev_id: 42, status: 1 },
      { at: 1001, type: 1, ds_id: 'smoke', value: '1', dev_id: 42 },
      { at: 1002, type: 7, dev_id: 42, cmd_type: 1, cmd_id: 'c1' },
      { at: 1003, login_type: 10, type: 2, dev_id: 42, status: 0 },
    ], nonce: 'x', msg_signature: 'y' });
    const out = pushOk(onenet, body);
    expect(out.map((m) => [m.kind, m.online, m.fields, m.ts])).toEqual([
      ['availability', true, {}, 1000], ['data', undefined, { smoke: true }, 1001], ['availability', false, {}, 1003],
    ]);
    expect(new Set(out.map((m) => m.messageId)).size).toBe(3);
  });

  it('uses the push id when the platform sends one', () => {
    const body = JSON.stringify({ id: 'a1b2', msg: { at: 1, type: 1, ds_id: 'smoke', value: 1, dev_id: 9 } });
    expect(pushOk(onenet, body)[0]!.messageId).toBe('onenet:a1b2');
  });

  it('answers the URL verification GET with msg when the signature is right', () => {
    const query = { msg: 'xR9kZ2', nonce: 'n0nce+12', signature: oneNetSign(TOKEN, 'n0nce+12', 'xR9kZ2') };
    expect(onenet.answerVerification?.(query, TOKEN)).toEqual({ ok: true, value: 'xR9kZ2' });
    // A "+" of an unencoded signature arrives as a space.
    expect(onenet.answerVerification?.({ ...query, signature: query.signature.replace(/\+/g, ' ') }, TOKEN)?.ok).toBe(true);
    expect(onenet.answerVerification?.({ ...query, msg: 'other' }, TOKEN)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(onenet.answerVerification?.({ nonce: 'n', signature: 's' }, TOKEN)).toMatchObject({ ok: false, reason: 'schema' });
  });

  it.each([
    ['{"msg":5}', 'schema', 'msg must be an object'],
    ['{"msg":{"type":1,"at":1,"ds_id":"x","value":1}}', 'schema', 'msg.dev_id'],
    ['{"msg":{"type":"1","at":1,"dev_id":1}}', 'schema', 'msg.type'],
    ['{"msg":[{"type":1,"at":-5,"ds_id":"x","value":1,"dev_id":1}]}', 'schema', 'msg[0].at'],
    ['{"msg":{"type":1,"at":1,"dev_id":1,"value":1}}', 'schema', 'ds_id'],
    ['{"msg":{"type":2,"at":1,"dev_id":1,"status":3}}', 'schema', 'status'],
    ['{"enc_msg":"abc","nonce":"n","msg_signature":"s"}', 'unsupported', 'plaintext'],
    ['"msg"', 'schema', 'JSON object'],
  ])('rejects %s as %s', (body, reason, detail) => {
    const d = decodePush(onenet, req(body), undefined, NOW);
    expect(d).toMatchObject({ ok: false, reason });
    if (!d.ok) expect(d.detail).toContain(detail);
  });
});

describe('generic JSON mapping', () => {
  const generic = createGenericJsonMapping({
    name: 'vendor-cloud',
    itemsPath: 'events',
    deviceIdPath: 'device.imei',
    messageIdPath: 'eventId',
    tsPath: 'time',
    fields: { smoke: { path: 'data.alarm', map: { fire: true, clear: false } }, battery: 'data.batt', temperature: { path: 'data.t10', scale: 0.1 } },
    auth: { kind: 'hmac-sha256', header: 'X-Signature' },
  });
  const body = JSON.stringify({ events: [
    { eventId: 'e-1', device: { imei: '860000000000001' }, time: '2024-05-01T10:00:00+08:00', data: { alarm: 'fire', batt: 87, t10: 215 } },
    { device: { imei: 860000000000002 }, time: 1714528800, data: { alarm: 'clear' } },
  ] });
  const sign = (raw: string, secret: string): string => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

  it('maps configured paths, ids and times (ISO, epoch seconds)', () => {
    const out = pushOk(generic, body, 'k', { headers: { 'x-signature': sign(body, 'k') } });
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ messageId: 'vendor-cloud:e-1', platformDeviceId: '860000000000001', ts: Date.UTC(2024, 4, 1, 2), fields: { smoke: true, battery: 87 } });
    expect(out[0]!.fields.temperature).toBeCloseTo(21.5, 9);
    expect(out[1]).toMatchObject({ platformDeviceId: '860000000000002', ts: 1714528800_000, fields: { smoke: false } });
    expect(out[1]!.messageId).toMatch(/^vendor-cloud:[0-9a-f]{32}$/);
  });

  it('checks the HMAC of the raw body', () => {
    expect(generic.verify(req(body, { headers: { 'x-signature': sign(body, 'wrong') } }), 'k')).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(generic.verify(req(body), 'k')).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('without tsPath the receive time is the message time', () => {
    const simple = createGenericJsonMapping({ name: 'simple', deviceIdPath: 'id', fields: { action: 'button' } });
    expect(simple.decode({ id: 'b1', button: 'single' }, 123)).toMatchObject({ ok: true, value: [{ ts: 123, fields: { action: 'single' } }] });
    expect(simple.decode({ id: 'b1', button: 'single' })).toMatchObject({ ok: false, reason: 'schema' });
  });

  it('availability through onlinePath', () => {
    const m = createGenericJsonMapping({ name: 'av', deviceIdPath: 'id', onlinePath: 'state', fields: {} });
    expect(m.decode({ id: 'x', state: 'offline' }, 1)).toMatchObject({ ok: true, value: [{ kind: 'availability', online: false }] });
  });

  it.each([
    [{ events: [{ time: 1, device: {} }] }, 'device.imei'],
    [{ events: [{ device: { imei: '1' }, time: 'yesterday' }] }, 'time'],
    [{ events: [5] }, 'must be an object'],
  ])('rejects %j with a precise detail', (b, detail) => {
    const d = generic.decode(b, NOW);
    expect(d).toMatchObject({ ok: false, reason: 'schema' });
    if (!d.ok) expect(d.detail).toContain(detail);
  });

  it('refuses a bad config at load time, listing the problem', () => {
    expect(() => createGenericJsonMapping({ name: 'Bad Name', deviceIdPath: 'id', fields: {} })).toThrow(/name/);
    expect(() => createGenericJsonMapping({ name: 'x', deviceIdPath: 'id', fields: { nonsense: 'a' } as never })).toThrow();
  });
});

describe('hostile JSON', () => {
  it('keys that name Object.prototype members never reach it', () => {
    const hostile: FieldMap = Object.fromEntries([['constructor', { field: 'smoke' }], ['a.__proto__', { field: 'fault' }], ['x', { field: 'tamper', map: { toString: true } }]]);
    const ctwing = createCtwingMapping({ defaultFields: hostile });
    const body = '{"messageType":"dataReport","deviceId":"d","timestamp":1,"productId":"constructor","payload":{"x":"valueOf","a":{}}}';
    const [m] = pushOk(ctwing, body);
    expect(m!.fields).toEqual({});
    expect(m!.dropped).toEqual(['x="valueOf": no tamper value for it']);
  });

  it('parseJsonBody bounds the size', () => {
    expect(parseJsonBody(Buffer.alloc(2 * 1024 * 1024, 0x20))).toMatchObject({ ok: false, reason: 'oversize' });
  });
});
