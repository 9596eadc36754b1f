import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connectMqtt, NativeDeviceSim } from '../../simulators/devices/mqtt-device.ts';
import { readSiteFile } from '../../simulators/demo/provision.ts';
import { freePort } from '../../simulators/stack/free-port.ts';
import { ProcessStack } from '../../simulators/stack/process-stack.ts';
import type { ReceivedDc09 } from '../../simulators/receivers/dc09-receiver.ts';
import type { ReceivedGbFrame } from '../../simulators/receivers/gb26875-centre.ts';
import { waitFor } from '../helpers/e2e-devices.ts';
import { ReceiverProcess } from '../helpers/receiver-process.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { DEMO_SITE } from '../helpers/stack.ts';

// Issue 23 must-shows with real processes: the `carewatch gateway` process reports the demo site
// to a GB/T 26875.3 centre and to a primary and backup DC-09 receiver, each a `carewatch sim
// receiver` process over loopback TCP; receivers and the gateway are killed with SIGKILL.
describe('upstream links, real processes', () => {
  let stack: ProcessStack;
  let primary: ReceiverProcess<ReceivedDc09>;
  let backup: ReceiverProcess<ReceivedDc09>;
  let centre: ReceiverProcess<ReceivedGbFrame>;
  let client: MqttClient;
  const dir = tempDir('carewatch-upstream-');
  const detectors = readSiteFile(DEMO_SITE).devices.map((d, i) => ({ ...d, zone: i + 1 })).filter((d) => d.profile === 'smoke-detector' && d.transport === 'mqtt');

  beforeAll(async () => {
    const [p, b, c] = [await freePort(), await freePort(), await freePort()];
    primary = new ReceiverProcess('dc09', p);
    backup = new ReceiverProcess('dc09', b);
    centre = new ReceiverProcess('gb26875', c);
    await Promise.all([primary.start(), backup.start(), centre.start()]);
    const file = join(dir.path, 'upstream.yaml');
    writeFileSync(file, JSON.stringify({
      links: [
        { kind: 'dc09', name: 'arc', primary: { host: '127.0.0.1', port: p }, backup: { host: '127.0.0.1', port: b },
          receiver: '1', line: '1', sites: { demo: { account: 'C0FFEE' } }, ackTimeoutMs: 1000, attempts: 2, supervisionSec: 5, primaryRetrySec: 1 },
        { kind: 'gb26875', name: 'fire-centre', site: 'demo', centre: { host: '127.0.0.1', port: c }, address: 0x0000c0ffee01, heartbeatSec: 5 },
      ],
    }));
    stack = new ProcessStack({ siteFiles: [DEMO_SITE], dataDir: dir.path, gatewayArgs: ['--upstream', file] });
    await stack.start();
    const creds = stack.creds.devices.find((d) => d.deviceId === detectors[0]!.id)!;
    client = await connectMqtt({ ...stack.mqttBroker, username: creds.mqttUsername!, password: creds.mqttPassword! });
  }, 150_000);

  afterAll(async () => {
    await client?.endAsync();
    await stack?.stop();
    await Promise.all([primary?.stop(), backup?.stop(), centre?.stop()]);
    dir.remove();
  });

  const fires = (r: ReceiverProcess<ReceivedDc09>) => r.received.filter((m) => m.contactId?.code === 111);
  const smoke = async (deviceId: string, on: boolean) => {
    const d = stack.creds.devices.find((x) => x.deviceId === deviceId)!;
    const c = d.deviceId === detectors[0]!.id ? client : await connectMqtt({ ...stack.mqttBroker, username: d.mqttUsername!, password: d.mqttPassword! });
    await new NativeDeviceSim(c, 'demo', deviceId).publish({ smoke: on }, { ts: Date.now() });
    if (c !== client) await c.endAsync();
  };

  it('a smoke alarm reaches the GB/T 26875.3 centre within the 10 s of GB 26875.1, and the DC-09 primary as Contact ID 111', async () => {
    const d = detectors[0]!;
    const sent = Date.now();
    await smoke(d.id, true);
    const frame = await waitFor('the fire frame at the centre', () => centre.received.find((f) => f.appType === 2), 10_000, 10);
    const ms = frame.at - sent;
    expect(ms).toBeLessThan(10_000); // GB 26875.1: a fire alarm at the centre within 10 s
    expect(frame.units[0]).toMatchObject({ componentType: 40, componentAddress: d.zone, status: { fire_alarm: true } });
    const msg = await waitFor('the alarm at the primary', () => fires(primary)[0], 10_000, 10);
    expect(msg).toMatchObject({ account: 'C0FFEE', receiver: '1', line: '1', contactId: { qualifier: 'new', code: 111, zone: d.zone } });
    console.log(`fire alarm: detector → GB/T 26875.3 centre ${ms} ms, → DC-09 primary ${msg.at - sent} ms`);
  });

  it('primary killed: the next alarms go to the backup, each exactly once', { timeout: 60_000 }, async () => {
    await primary.kill9();
    const d = detectors[1]!;
    await smoke(d.id, true);
    await smoke(d.id, false);
    await waitFor('both at the backup', () => fires(backup).length === 2, 20_000);
    expect(fires(backup).map((m) => m.data)).toEqual([`1111 01 ${String(d.zone).padStart(3, '0')}`, `3111 01 ${String(d.zone).padStart(3, '0')}`]);
  });

  // Its own waits add up to 50 s (queued, then delivered after a restart): bounded above them.
  it('both receivers down and the gateway killed -9: alarms stay queued and arrive in order, once, when a receiver is back', { timeout: 90_000 }, async () => {
    await backup.kill9();
    const before = fires(backup).length;
    const order = [detectors[2]!, detectors[3]!, detectors[4]!];
    for (const d of order) await smoke(d.id, true);
    // The gateway has them queued for the link (its status page says so) before it is killed.
    await waitFor('3 queued upstream', async () => {
      const s = await (await fetch(`${stack.gatewayUrl}/status.json`, { headers: stack.gatewayHeaders })).json() as { upstream?: Array<{ name: string; queued: number }> };
      return (s.upstream?.find((l) => l.name === 'arc')?.queued ?? 0) >= 3;
    }, 20_000);
    await stack.kill9('gateway');
    await stack.startGateway();
    await primary.start();
    await waitFor('3 at the primary', () => fires(primary).filter((m) => order.some((d) => d.zone === m.contactId!.zone)).length >= 3, 30_000);
    const got = fires(primary).filter((m) => order.some((d) => d.zone === m.contactId!.zone));
    expect(got.map((m) => m.contactId!.zone)).toEqual(order.map((d) => d.zone));
    expect(fires(backup).length).toBe(before);
  });
});
