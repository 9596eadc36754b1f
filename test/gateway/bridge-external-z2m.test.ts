import { afterAll, afterEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { ExternalZ2mBridge, BridgeConfigError } from '../../gateway/bridge/external-z2m-bridge.ts';
import {
  type TransportHarness, createTransportHarness, eventsOf, fixture, waitFor,
} from '../helpers/gateway-harness-transports.ts';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/**
 * The bridge to a Zigbee2MQTT that has its own broker: a real mosquitto, a Zigbee2MQTT-style
 * publisher (mqtt.js, QoS 1, real payloads from test/fixtures/zigbee2mqtt), the real rules.
 */

const LINK = 'zigbee2mqtt:zigbee2mqtt';
const SMOKE_TRUE = fixture('zigbee2mqtt', 'z2m-001').input; // Heiman smoke detector, smoke: true
const LEAK_TRUE = fixture('zigbee2mqtt', 'z2m-021').input; // SmartThings leak sensor, water_leak: true
const BAD_JSON = fixture('zigbee2mqtt', 'z2m-031').input; // trailing comma

const dir = tempDir('carewatch-bridge-');
let broker: Mosquitto | undefined;
let h: TransportHarness | undefined;
const bridges: ExternalZ2mBridge[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  for (const b of bridges.splice(0)) await b.stop();
  await broker?.stop();
  broker = undefined;
  h?.close();
  h = undefined;
});

afterAll(() => dir.remove());

async function setUp() {
  broker = await startMosquitto(dir.path);
  h = createTransportHarness({
    devices: [
      { id: 'smoke-kitchen', profile: 'smoke-detector', roomId: 'kitchen', transport: 'zigbee2mqtt', friendlyName: 'kitchen/smoke' },
      { id: 'leak-kitchen', profile: 'water-leak-sensor', roomId: 'kitchen', transport: 'zigbee2mqtt', friendlyName: 'kitchen leak' },
    ],
    bridges: [{ name: 'zigbee2mqtt', external: { url: broker.url } }],
  });
  return { broker, h };
}

function bridgeFor(harness: TransportHarness, overrides: { env?: Record<string, string>; passwordEnv?: string } = {}): ExternalZ2mBridge {
  const config = harness.registry.get(harness.siteId)!.site.file.bridges[0]!;
  const external = { ...config.external!, ...(overrides.passwordEnv ? { passwordEnv: overrides.passwordEnv } : {}) };
  const bridge = new ExternalZ2mBridge({
    siteId: harness.siteId,
    bridge: { ...config, external },
    registry: harness.registry,
    rejections: harness.rejections,
    metrics: harness.metrics,
    log: harness.log,
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    connectTimeoutMs: 2000,
    ...(overrides.env ? { env: overrides.env } : {}),
  });
  bridges.push(bridge);
  return bridge;
}

/** Zigbee2MQTT's side: its own client on its own broker, QoS 1 like Zigbee2MQTT's default for state. */
async function zigbee2mqtt(url: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId: `z2m-${Math.random().toString(16).slice(2, 10)}`, reconnectPeriod: 50 });
  clients.push(client);
  return client;
}

describe('ExternalZ2mBridge against a real mosquitto', () => {
  it('turns a Zigbee2MQTT smoke: true into a fire.smoke in the outbox', async () => {
    const { broker, h } = await setUp();
    const bridge = bridgeFor(h);
    await bridge.start();
    expect(bridge.isConnected).toBe(true);
    const z2m = await zigbee2mqtt(broker.url);
    await z2m.publishAsync('zigbee2mqtt/kitchen/smoke', SMOKE_TRUE, { qos: 1 });

    const event = await waitFor('fire.smoke', () => eventsOf(h.events(), 'fire.smoke', 'device:smoke-kitchen')[0]);
    expect(event).toMatchObject({ action: 'raise', source: { transport: 'zigbee2mqtt', link: LINK } });
    expect(h.links.map((l) => [l.link, l.up])).toEqual([[LINK, true]]);
  });

  it('counts bad JSON and unknown devices, and the next good message still works', async () => {
    const { broker, h } = await setUp();
    await bridgeFor(h).start();
    const z2m = await zigbee2mqtt(broker.url);
    await z2m.publishAsync('zigbee2mqtt/kitchen leak', BAD_JSON, { qos: 1 });
    await z2m.publishAsync('zigbee2mqtt/garage leak', LEAK_TRUE, { qos: 1 });
    await z2m.publishAsync('zigbee2mqtt/kitchen leak', LEAK_TRUE, { qos: 1 });

    await waitFor('water.leak', () => eventsOf(h.events(), 'water.leak', 'device:leak-kitchen')[0]);
    expect(h.rejections.total('zigbee2mqtt', 'malformed_json')).toBe(1);
    expect(h.rejections.total('zigbee2mqtt', 'unknown_device')).toBe(1);
    expect(h.metrics.value('carewatch_bridge_messages_total', { site: h.siteId, bridge: 'zigbee2mqtt', outcome: 'rejected' })).toBe(2);
    expect(h.metrics.value('carewatch_bridge_messages_total', { site: h.siteId, bridge: 'zigbee2mqtt', outcome: 'accepted' })).toBe(1);
  });

  it('receives what Zigbee2MQTT published at QoS 1 while the gateway was away', async () => {
    const { broker, h } = await setUp();
    const first = bridgeFor(h);
    await first.start(); // resolves once subscribed
    await first.stop();

    const z2m = await zigbee2mqtt(broker.url);
    await z2m.publishAsync('zigbee2mqtt/kitchen/smoke', SMOKE_TRUE, { qos: 1 });

    const restartedAt = Date.now();
    await bridgeFor(h).start(); // same client id: the broker kept the session and the message
    const smoke = await waitFor('fire.smoke', () => eventsOf(h.events(), 'fire.smoke', 'device:smoke-kitchen')[0]);
    // Nothing reached the gateway while it was away: the one fire.smoke there is came with the
    // return (created by the rules after the restart began).
    expect(eventsOf(h.events(), 'fire.smoke')).toHaveLength(1);
    expect(smoke.createdAt).toBeGreaterThanOrEqual(restartedAt);
  });

  it('reports the link down when the broker goes away, and up when it is back, with messages flowing again', async () => {
    const { broker, h } = await setUp();
    const bridge = bridgeFor(h);
    await bridge.start();
    // The bridge's subscription on the new broker is in place when its SUBACK arrives.
    let subacks = 0;
    (bridge as unknown as { client: MqttClient }).client.on('packetreceive', (p) => { if (p.cmd === 'suback') subacks += 1; });

    await broker.stop();
    await waitFor('link down', () => h.links.find((l) => !l.up));
    expect(bridge.isConnected).toBe(false);
    expect(eventsOf(h.events(), 'device.offline', `link:${LINK}`).map((e) => e.action)).toEqual(['raise']);

    await broker.start(); // a new broker: no session survived, the bridge must subscribe again
    await waitFor('link up', () => bridge.isConnected, 3000);
    expect(h.links.map((l) => l.up)).toEqual([true, false, true]);
    expect(eventsOf(h.events(), 'device.offline', `link:${LINK}`).map((e) => e.action)).toEqual(['raise', 'clear']);
    expect(h.metrics.value('carewatch_bridge_reconnects_total', { site: h.siteId, bridge: 'zigbee2mqtt' })).toBe(1);

    await waitFor("the bridge's SUBACK from the new broker", () => subacks > 0);
    const z2m = await zigbee2mqtt(broker.url);
    await z2m.publishAsync('zigbee2mqtt/kitchen leak', LEAK_TRUE, { qos: 1 });
    await waitFor('water.leak after the broker restart', () => eventsOf(h.events(), 'water.leak', 'device:leak-kitchen')[0]);
  });

  it('leaves a message it could not store unacknowledged, and the broker delivers it again', async () => {
    const { broker, h } = await setUp();
    const bridge = bridgeFor(h);
    await bridge.start();
    const append = h.outbox.append.bind(h.outbox);
    let refusals = 0;
    h.outbox.append = (draft) => {
      if (draft.kind === 'water.leak' && refusals++ === 0) throw new Error('SQLITE_FULL: database or disk is full');
      return append(draft);
    };
    const z2m = await zigbee2mqtt(broker.url);
    await z2m.publishAsync('zigbee2mqtt/kitchen leak', LEAK_TRUE, { qos: 1 });

    const labels = { site: h.siteId, bridge: 'zigbee2mqtt' };
    await waitFor('the redelivery', () => h.metrics.value('carewatch_bridge_messages_total', { ...labels, outcome: 'accepted' }) === 1);
    expect(h.metrics.value('carewatch_bridge_messages_total', { ...labels, outcome: 'not_stored' })).toBe(1);
    expect(bridge.isConnected).toBe(true);
    expect(h.links.map((l) => l.up)).toEqual([true]); // dropping the connection on purpose is no link down
  });

  it('takes Zigbee2MQTT\'s own bridge/state offline (its last will) as the link going down', async () => {
    const { broker, h } = await setUp();
    await bridgeFor(h).start();
    const z2m = await zigbee2mqtt(broker.url);
    await z2m.publishAsync('zigbee2mqtt/bridge/state', fixture('zigbee2mqtt', 'z2m-035').input, { qos: 1, retain: true });
    await waitFor('link down', () => h.links.find((l) => !l.up));
    expect(h.links.map((l) => [l.link, l.up])).toEqual([[LINK, true], [LINK, false]]);
  });

  it('refuses to start when the password variable the site file names is not set', async () => {
    const { h } = await setUp();
    const bridge = bridgeFor(h, { passwordEnv: 'CAREWATCH_TEST_Z2M_PASSWORD', env: {} });
    await expect(bridge.start()).rejects.toThrow(BridgeConfigError);
    await expect(bridge.start()).rejects.toThrow('CAREWATCH_TEST_Z2M_PASSWORD is not set');
  });
});
