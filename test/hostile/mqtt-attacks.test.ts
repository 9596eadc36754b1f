import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { type BrokerAddress, brokerOptions, connectMqtt } from '../../simulators/devices/mqtt-device.ts';
import { DEMO_SITES_DIR } from '../../simulators/demo/cli.ts';
import { DEMO_SITE, type Stack, startStack } from '../helpers/stack.ts';

/**
 * Issue 16, the embedded MQTT broker probed with real credentials of the wrong client: a home
 * hub's login against the care home's Zigbee2MQTT bridge, one credential's many sessions,
 * retained junk, an offline queue fed from a second connection. Real aedes over TCP, mqtt.js.
 */
const HOME = join(DEMO_SITES_DIR, 'homes', 'home-0001.yaml');

/** CONNACK or the refusal, never a hang. */
function connect(broker: BrokerAddress, opts: IClientOptions, onMessage?: (topic: string, payload: Buffer) => void): Promise<{ client: MqttClient; refused?: number }> {
  const client = mqtt.connect(broker.url, brokerOptions(broker, { reconnectPeriod: 0, connectTimeout: 5000, ...opts }));
  client.on('error', () => undefined);
  if (onMessage) client.on('message', onMessage); // before CONNACK: a stored session's queue comes right after it
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve({ client }));
    client.once('error', (err: Error & { code?: number }) => { client.end(true); resolve({ client, refused: err.code ?? -1 }); });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

describe('MQTT client ids and sessions belong to a credential', () => {
  let stack: Stack;
  const open: MqttClient[] = [];
  beforeAll(async () => { stack = await startStack({ sites: [DEMO_SITE, HOME] }); });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true).catch(() => undefined)));
    await stack?.stop();
  });

  const login = (siteId: string) => {
    const b = stack.creds.bridges.find((x) => x.siteId === siteId)!;
    return { username: b.mqttUsername, password: b.mqttPassword };
  };

  it('a home hub\'s credentials connecting with the care home bridge\'s client id are refused (identifier rejected), three times, and the bridge stays online', async () => {
    const bridge = await connect(stack.mqttBroker, { ...login('demo'), clientId: 'z2m-care-home' });
    expect(bridge.refused).toBeUndefined();
    open.push(bridge.client);
    let bridgeClosed = false;
    bridge.client.on('close', () => { bridgeClosed = true; });
    for (let i = 0; i < 3; i++) {
      const intruder = await connect(stack.mqttBroker, { ...login('home-0001'), clientId: 'z2m-care-home' });
      expect(intruder.refused).toBe(2); // [MQTT-3.2.2.3] identifier rejected
    }
    // Still connected: a QoS 1 publish is acknowledged on the same connection.
    await bridge.client.publishAsync('zigbee2mqtt/bridge/state', '{"state":"online"}', { qos: 1 });
    expect(bridgeClosed).toBe(false);
    expect(stack.gateway.metrics.value('carewatch_mqtt_connect_refused_total', { why: 'taken' })).toBe(3);
  });

  it('the same credential may still reconnect over its own client id (a half-open socket is replaced)', async () => {
    const first = await connect(stack.mqttBroker, { ...stack.mqttLogin('smoke-201'), clientId: 'smoke-201' });
    const firstClosed = new Promise<void>((r) => first.client.once('close', () => r()));
    const second = await connect(stack.mqttBroker, { ...stack.mqttLogin('smoke-201'), clientId: 'smoke-201' });
    expect(second.refused).toBeUndefined();
    open.push(second.client);
    await firstClosed;
    first.client.end(true);
  });

  it('one credential holds at most 8 sessions at once: the 9th connected one is refused', async () => {
    const cred = stack.mqttLogin('smoke-202');
    const sessions = [];
    for (let i = 0; i < 8; i++) {
      const s = await connect(stack.mqttBroker, { ...cred, clientId: `s202-${i}`, clean: false });
      expect(s.refused).toBeUndefined();
      sessions.push(s.client);
    }
    open.push(...sessions);
    const ninth = await connect(stack.mqttBroker, { ...cred, clientId: 's202-8', clean: false });
    expect(ninth.refused).toBe(5);
    // Ending a stored session's connection lets a newer session of the same credential in: the oldest stored one gives way.
    await sessions[0]!.endAsync();
    const again = await connect(stack.mqttBroker, { ...cred, clientId: 's202-9', clean: false });
    expect(again.refused).toBeUndefined();
    open.push(again.client);
  });

  it('retains nothing under names that map to no device, nor oversize payloads; a known device\'s availability is retained', async () => {
    const bridge = await connectMqtt({ ...stack.mqttBroker, ...login('demo') });
    open.push(bridge);
    await bridge.publishAsync('zigbee2mqtt/made-up-1', Buffer.alloc(60 * 1024, 0x61), { qos: 1, retain: true });
    await bridge.publishAsync('zigbee2mqtt/made-up-2', '{"smoke":false}', { qos: 1, retain: true });
    await bridge.publishAsync('zigbee2mqtt/一楼活动室 烟感/availability', Buffer.alloc(8 * 1024, 0x20), { qos: 1, retain: true });
    await bridge.publishAsync('zigbee2mqtt/kitchen heat/availability', '{"state":"online"}', { qos: 1, retain: true });
    const reader = await connectMqtt({ ...stack.mqttBroker, ...login('demo') });
    open.push(reader);
    const got: string[] = [];
    const known = new Promise<void>((resolve) => reader.on('message', (topic) => { got.push(topic); if (topic === 'zigbee2mqtt/kitchen heat/availability') resolve(); }));
    // One SUBSCRIBE: aedes sends the retained messages of all its filters from one stream, in
    // the order they were stored; the known one was stored last.
    await reader.subscribeAsync(['zigbee2mqtt/made-up-1', 'zigbee2mqtt/made-up-2', 'zigbee2mqtt/一楼活动室 烟感/availability', 'zigbee2mqtt/kitchen heat/availability']);
    await known;
    expect(got).toEqual(['zigbee2mqtt/kitchen heat/availability']);
    expect(stack.gateway.metrics.value('carewatch_mqtt_retain_dropped_total', { why: 'no_device' })).toBe(1);
    expect(stack.gateway.metrics.value('carewatch_mqtt_retain_dropped_total', { why: 'oversize' })).toBe(2);
  });

  it('queues nothing for an offline clean=false session fed from a second connection (subscriptions are granted QoS 0)', async () => {
    const cred = stack.mqttLogin('smoke-203');
    const topic = nativeTopic('demo', 'smoke-203', 'state');
    const sleeper = await connect(stack.mqttBroker, { ...cred, clientId: 'sleeper-203', clean: false });
    await sleeper.client.subscribeAsync(topic, { qos: 1 });
    await sleeper.client.endAsync();
    const feeder = await connectMqtt({ ...stack.mqttBroker, ...cred });
    open.push(feeder);
    for (let i = 0; i < 50; i++) await feeder.publishAsync(topic, encodeNativeState({ battery: 90 - (i % 10) }), { qos: 1 });
    const received: string[] = [];
    let sawLive!: () => void;
    const live = new Promise<void>((resolve) => { sawLive = resolve; });
    const back = await connect(stack.mqttBroker, { ...cred, clientId: 'sleeper-203', clean: false }, (_t, payload) => {
      received.push(payload.toString());
      if (payload.toString().includes('"battery":42')) sawLive();
    });
    open.push(back.client);
    await back.client.subscribeAsync(topic, { qos: 1 });
    await feeder.publishAsync(topic, encodeNativeState({ battery: 42 }), { qos: 1 });
    await live;
    expect(received).toHaveLength(1); // only the live one: none of the 50 was queued
  });
});
