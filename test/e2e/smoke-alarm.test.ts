import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmChange, AlarmListResponse } from '../../contract/index.ts';
import { connectMqtt } from '../../simulators/devices/mqtt-device.ts';
import { SseClient } from '../helpers/sse-client.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

// The walking skeleton (issue 2): device → gateway broker → rules → outbox → server → SSE/API.
describe('a smoke alarm from device to console', () => {
  let stack: Stack;
  let sse: SseClient;
  let nurse: string;

  beforeAll(async () => {
    stack = await startStack();
    nurse = stack.token('night-nurse');
    sse = new SseClient(`${stack.serverUrl}/api/v1/stream`, { authorization: `Bearer ${nurse}` });
    await sse.open();
  });

  afterAll(async () => {
    sse?.close();
    await stack?.stop();
  });

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${stack.serverUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${nurse}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    return { status: res.status, body: await res.json() as unknown };
  };
  const smokeAlarms = async (status: 'active' | 'all') => {
    const { body } = await api(`/api/v1/alarms?site=demo&status=${status}`);
    return AlarmListResponse.parse(body).alarms.filter((a) => a.deviceId === 'smoke-203' && a.kind === 'fire.smoke');
  };
  const changeOf = (change: string) => (m: { data: string }) => {
    const c = AlarmChange.parse(JSON.parse(m.data));
    return c.change === change && c.alarm.deviceId === 'smoke-203';
  };

  it('raises fire.smoke on {"smoke":true}, acks it, and clears it on {"smoke":false}', async () => {
    expect(sse.status).toBe(200);
    const device = await connectMqtt({ ...stack.mqttBroker, ...stack.mqttLogin('smoke-203') });
    try {
      await device.publishAsync('carewatch/demo/devices/smoke-203/state', '{"smoke":true}', { qos: 1 });

      const raised = AlarmChange.parse(JSON.parse((await sse.next(changeOf('raised'))).data));
      expect(raised.alarm).toMatchObject({ kind: 'fire.smoke', severity: 'critical', siteId: 'demo', roomId: '203', status: 'active_unack' });
      const [listed] = await smokeAlarms('active');
      expect(listed).toMatchObject({ id: raised.alarm.id, status: 'active_unack', count: 1 });

      const ack = await api(`/api/v1/alarms/${raised.alarm.id}/ack`, { method: 'POST', body: '{}' });
      expect(ack.status).toBe(200);
      expect((await smokeAlarms('active'))[0]).toMatchObject({ status: 'active_ack', ackedBy: 'night-nurse' });

      await device.publishAsync('carewatch/demo/devices/smoke-203/state', '{"smoke":false}', { qos: 1 });
      await sse.next(changeOf('cleared'));
      const [cleared] = (await smokeAlarms('all')).filter((a) => a.id === raised.alarm.id);
      expect(cleared!.status).toBe('cleared_ack');
    } finally {
      await device.endAsync();
    }
  });

  it('times that alarm in every hop (issue 21): rules and commit, WAL sync, to the server\'s answer; the server\'s parse and commit', async () => {
    // The raise and the clear above each went through every hop once (both are life-safety events).
    const counts = (text: string) => new Map([...text.matchAll(/^carewatch_alarm_hop_seconds_count\{hop="(\w+)"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
    const gateway = counts(await stack.gateway.metrics.render());
    const server = counts(await (await fetch(`${stack.serverUrl}/metrics`)).text());
    for (const hop of ['rules_commit', 'power_safe_sync', 'outbox_to_answer']) expect(gateway.get(hop), hop).toBeGreaterThanOrEqual(2);
    for (const hop of ['ingest_parse', 'ingest_commit']) expect(server.get(hop), hop).toBeGreaterThanOrEqual(2);
  });

  it('refuses a wrong password with a counted reason', async () => {
    const login = stack.mqttLogin('smoke-204');
    const before = stack.gateway.rejections.total('mqtt', 'auth');
    const err = await connectMqtt({ ...stack.mqttBroker, username: login.username, password: 'not-the-password' }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/Bad username or password/i);
    expect(stack.gateway.rejections.total('mqtt', 'auth')).toBe(before + 1);
  });

  it('closes a device that publishes to another device\'s topic, and the next good message still works', async () => {
    const before = stack.gateway.rejections.total('mqtt', 'topic');
    const intruder = await connectMqtt({ ...stack.mqttBroker, ...stack.mqttLogin('smoke-204') });
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish('carewatch/demo/devices/smoke-205/state', '{"smoke":true}', { qos: 1 });
    await closed;
    intruder.end(true);
    expect(stack.gateway.rejections.total('mqtt', 'topic')).toBe(before + 1);
    const none = ((await api('/api/v1/alarms?site=demo&status=active')).body as { alarms: Array<{ deviceId: string }> }).alarms;
    expect(none.some((a) => a.deviceId === 'smoke-205')).toBe(false);

    await expectAlarmAfterGoodMessage('smoke-204');
  });

  it('drops malformed JSON with a counted reason, keeps the connection, and takes the next good message', async () => {
    const before = stack.gateway.rejections.total('mqtt', 'malformed_json');
    const device = await connectMqtt({ ...stack.mqttBroker, ...stack.mqttLogin('smoke-206') });
    try {
      await device.publishAsync('carewatch/demo/devices/smoke-206/state', '{"smoke":tru', { qos: 1 });
      expect(stack.gateway.rejections.total('mqtt', 'malformed_json')).toBe(before + 1);
      expect(device.connected).toBe(true);
      await device.publishAsync('carewatch/demo/devices/smoke-206/state', '{"smoke":true}', { qos: 1 });
      await sse.next((m) => { const c = AlarmChange.parse(JSON.parse(m.data)); return c.alarm.deviceId === 'smoke-206' && c.change === 'raised'; });
    } finally {
      await device.endAsync();
    }
  });

  async function expectAlarmAfterGoodMessage(deviceId: string): Promise<void> {
    const device = await connectMqtt({ ...stack.mqttBroker, ...stack.mqttLogin(deviceId) });
    try {
      await device.publishAsync(`carewatch/demo/devices/${deviceId}/state`, '{"smoke":true}', { qos: 1 });
      await sse.next((m) => { const c = AlarmChange.parse(JSON.parse(m.data)); return c.alarm.deviceId === deviceId && c.change === 'raised'; });
    } finally {
      await device.endAsync();
    }
  }
});

