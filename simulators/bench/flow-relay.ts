// The e2e bench's baseline flow as its own process: what a tuned Node-RED flow doing the smoke
// alarm job does (mqtt in → JSON → report-by-exception on `smoke` → mqtt out), written directly on
// mqtt.js without Node-RED's runtime, so it is a floor for that flow rather than a copy of it.
// Keeps nothing durable. Usage: flow-relay.ts MQTT_URL; prints "ready" once subscribed.
import mqtt from 'mqtt';

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: flow-relay.ts MQTT_URL\n');
  process.exit(2);
}
const client = mqtt.connect(url, { clientId: `flow-relay-${process.pid}`, reconnectPeriod: 0 });
client.on('connect', () => {
  (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  client.subscribe('carewatch/+/devices/+/state', { qos: 1 }, (err) => {
    if (err) throw err;
    process.stdout.write('ready\n');
  });
});
client.on('error', (err) => {
  process.stderr.write(`flow-relay: ${err.message}\n`);
  process.exit(1);
});
const last = new Map<string, boolean>();
client.on('message', (topic, payload) => {
  let smoke: unknown;
  try {
    smoke = (JSON.parse(payload.toString()) as { smoke?: unknown }).smoke;
  } catch {
    return; // the flow's JSON node drops what is not JSON, as Node-RED's does (with a log line we do not need here)
  }
  if (typeof smoke !== 'boolean' || last.get(topic) === smoke) return;
  last.set(topic, smoke);
  const [, site, , device] = topic.split('/');
  client.publish(`alarms/${site}/${device}`, JSON.stringify({ smoke, at: Date.now() }), { qos: 1 });
});
process.on('SIGTERM', () => client.end(true, () => process.exit(0)));
