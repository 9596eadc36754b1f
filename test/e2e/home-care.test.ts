import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmChange, type SiteFile } from '../../contract/index.ts';
import { DEMO_SITES_DIR } from '../../simulators/demo/cli.ts';
import { readSiteFile } from '../../simulators/demo/provision.ts';
import { Z2mBridgeSim, connectMqtt } from '../../simulators/devices/mqtt-device.ts';
import { buildPush, sendPush } from '../../simulators/devices/platform-sim.ts';
import { WatchSim } from '../../simulators/devices/watch-sim.ts';
import { ServerView, storedEvents } from '../helpers/e2e-server.ts';
import { SseClient, type SseMessage } from '../helpers/sse-client.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

// Issue 11, home care over real sockets: the regional gateway with the demo's three homes, each
// device on the link it really uses — a 4G watch over TCP, an NB-IoT smoke detector through
// China Telecom's CTWing platform, a fall radar behind the home's Zigbee2MQTT hub.
const HOME_FILES = ['home-0001.yaml', 'home-0002.yaml', 'home-0003.yaml'].map((f) => join(DEMO_SITES_DIR, 'homes', f));
const CTWING_TOKEN = 'e2e-ctwing-push-token';

describe('home care, end to end', () => {
  let stack: Stack;
  let homes: SiteFile[];
  let sse: SseClient;
  let view: ServerView;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    homes = HOME_FILES.map(readSiteFile);
    stack = await startStack({ sites: HOME_FILES, gatewayOptions: { push: { ctwing: { token: CTWING_TOKEN } } } });
    const admin = stack.token('admin');
    view = new ServerView(stack.serverUrl, admin);
    sse = new SseClient(`${stack.serverUrl}/api/v1/stream`, { authorization: `Bearer ${admin}` });
    await sse.open();
  });

  afterAll(async () => {
    sse?.close();
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await stack?.stop();
  });

  const home = (i: number) => homes[i]!;
  const deviceOf = (i: number, profile: string) => home(i).devices.find((d) => d.profile === profile)!;
  const change = (what: AlarmChange['change'], siteId: string, kind: string) => (m: SseMessage) => {
    const c = AlarmChange.parse(JSON.parse(m.data));
    return c.change === what && c.alarm.siteId === siteId && c.alarm.kind === kind;
  };
  const hub = async (i: number): Promise<MqttClient> => {
    const login = stack.creds.bridges.find((b) => b.siteId === home(i).site.id)!;
    const client = await connectMqtt({ ...stack.mqttBroker, username: login.mqttUsername, password: login.mqttPassword });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };

  it('a 4G watch\'s SOS is answered with AL and reaches the server as a critical wearable.sos alarm', async () => {
    const watch = deviceOf(0, 'watch-4g');
    const sim = await new WatchSim({ deviceId: watch.watchId! }).connect('127.0.0.1', stack.watchPort);
    try {
      sim.sendAlarm({ sos: true }, { latitude: 30.25, longitude: 120.16, battery: 80 });
      await sim.waitForReply('AL', { timeoutMs: 5000 });
    } finally {
      sim.close();
    }
    const raised = AlarmChange.parse(JSON.parse((await sse.next(change('raised', home(0).site.id, 'wearable.sos'))).data));
    expect(raised.alarm).toMatchObject({ severity: 'critical', residentId: 'r1', deviceId: watch.id, status: 'active_unack', count: 1 });
    const listed = await view.alarmsOf(home(0).site.id, { kind: 'wearable.sos' });
    expect(listed.map((a) => a.id)).toEqual([raised.alarm.id]);
  });

  it('a CTWing smoke push retried three times is stored once, and a retry arriving after the clear raises nothing', async () => {
    const siteId = home(1).site.id;
    const smoke = home(1).devices.find((d) => d.transport === 'platform' && d.profile === 'smoke-detector')!;
    const t0 = Date.now();
    const alarmPush = buildPush('ctwing', { platformDeviceId: smoke.platformDeviceId!, ts: t0, data: { smoke_state: 1, battery_value: 87 } }, CTWING_TOKEN);
    const duplicatesBefore = stack.gateway.metrics.value('carewatch_push_messages_total', { platform: 'ctwing', outcome: 'duplicate' });

    expect(await sendPush(stack.pushUrl, alarmPush)).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, unknownDevices: 0, ignored: 0 } });
    // CTWing resends a push up to three times when it did not see our 200 in time.
    for (let retry = 0; retry < 3; retry++) {
      expect(await sendPush(stack.pushUrl, alarmPush)).toEqual({ status: 200, body: { accepted: 0, duplicates: 1, unknownDevices: 0, ignored: 0 } });
    }
    await sse.next(change('raised', siteId, 'fire.smoke'));

    const clearPush = buildPush('ctwing', { platformDeviceId: smoke.platformDeviceId!, ts: t0 + 60_000, data: { smoke_state: 0, battery_value: 87 } }, CTWING_TOKEN);
    expect((await sendPush(stack.pushUrl, clearPush)).body).toMatchObject({ accepted: 1 });
    await sse.next(change('cleared', siteId, 'fire.smoke'));
    // A late retry of the alarm push, after the clear: without the gateway's memory of message
    // ids it would be a new fire (the detector's flag is off again).
    expect((await sendPush(stack.pushUrl, alarmPush)).body).toMatchObject({ accepted: 0, duplicates: 1 });
    // Wait for a later event to reach the server, so the retry had its chance to arrive first.
    const watch = await new WatchSim({ deviceId: deviceOf(1, 'watch-4g').watchId! }).connect('127.0.0.1', stack.watchPort);
    try {
      watch.sendAlarm({ sos: true });
      await watch.waitForReply('AL', { timeoutMs: 5000 });
    } finally {
      watch.close();
    }
    await sse.next(change('raised', siteId, 'wearable.sos'));

    const alarms = await view.alarmsOf(siteId, { deviceId: smoke.id, kind: 'fire.smoke' });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ count: 1, status: 'cleared_unack', severity: 'critical' });
    expect(storedEvents(`${stack.dataDir}/server`, { siteId, kind: 'fire.smoke' }).map((e) => e.action)).toEqual(['raise', 'clear']);
    expect(stack.gateway.metrics.value('carewatch_push_messages_total', { platform: 'ctwing', outcome: 'duplicate' }) - duplicatesBefore).toBe(4);
  });

  it('a Zigbee2MQTT fall radar reporting "fall" through the home\'s hub raises a critical fall.detected', async () => {
    const siteId = home(2).site.id;
    const radar = deviceOf(2, 'presence-radar');
    const bridge = new Z2mBridgeSim(await hub(2), home(2).bridges[0]!.baseTopic);
    await bridge.publish(radar.friendlyName!, radar.profile, { presence: true, fall_down_status: 'fall' }, radar.model);
    const raised = AlarmChange.parse(JSON.parse((await sse.next(change('raised', siteId, 'fall.detected'))).data));
    expect(raised.alarm).toMatchObject({ severity: 'critical', deviceId: radar.id, roomId: radar.roomId, status: 'active_unack' });
  });

  it('one home\'s hub may not subscribe to, nor publish into, another home\'s base topic', async () => {
    const own = home(0).bridges[0]!.baseTopic;
    const other = home(1).bridges[0]!.baseTopic;
    const refusedBefore = stack.gateway.rejections.total('mqtt', 'topic');

    const hub0 = await hub(0);
    expect((await hub0.subscribeAsync(`${own}/#`, { qos: 1 }))[0]).toMatchObject({ qos: 1 });
    // Refused: SUBACK 0x80 (MQTT 3.1.1 §3.9.3) or the connection closed — never granted.
    const snoop = await hub0.subscribeAsync(`${other}/#`, { qos: 1 }).then((granted) => granted[0]?.qos, (err: Error) => err.message);
    expect(snoop === 128 || snoop === 'Connection closed', `subscription answered ${String(snoop)}`).toBe(true);
    expect(stack.gateway.rejections.total('mqtt', 'topic')).toBe(refusedBefore + 1);

    // A hub publishing a fall for another home's radar is refused and closed…
    const intruder = await hub(0);
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    const radar = deviceOf(1, 'presence-radar');
    intruder.publish(`${other}/${radar.friendlyName!}`, JSON.stringify({ presence: true, fall_down_status: 'fall' }), { qos: 1 });
    await closed;
    expect(stack.gateway.rejections.total('mqtt', 'topic')).toBe(refusedBefore + 2);
    // …and only that home's own hub raises its fall: one event, not two.
    await new Z2mBridgeSim(await hub(1), other).publish(radar.friendlyName!, radar.profile, { presence: true, fall_down_status: 'fall' }, radar.model);
    await sse.next(change('raised', home(1).site.id, 'fall.detected'));
    expect(storedEvents(`${stack.dataDir}/server`, { siteId: home(1).site.id, kind: 'fall.detected' })).toHaveLength(1);
  });
});
