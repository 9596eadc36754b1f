import type { MqttClient } from 'mqtt';
import { type DemoCredentials, type SiteFile, nativeTopic } from '../../contract/index.ts';
import { encodeNativeState } from '../../devices/codecs/native.ts';
import { encodeZ2mState } from '../../devices/codecs/zigbee2mqtt.ts';
import { getProfile } from '../../devices/registry.ts';
import { connectMqtt, type BrokerAddress } from '../devices/mqtt-device.ts';
import { WatchSim } from '../devices/watch-sim.ts';

export interface QuietTrafficOptions {
  sites: SiteFile[];
  creds: DemoCredentials;
  mqtt: BrokerAddress;
  watchHost: string;
  watchPort: number;
  /** How often every device checks in with its quiet state. */
  everyMs: number;
}

/**
 * The demo's devices checking in as real ones do: every device reports its quiet state (no smoke,
 * battery fine) now and then, each watch sends its LK keep-alive. Without it the demo's gateway
 * would rightly raise `device.offline` for every device after its supervision period.
 * Devices report over their own transports with their own credentials.
 */
export async function startQuietTraffic(opts: QuietTrafficOptions): Promise<() => Promise<void>> {
  const clients: MqttClient[] = [];
  const watches: WatchSim[] = [];
  const jobs: Array<() => void> = [];
  for (const site of opts.sites) {
    const bridgeLogin = opts.creds.bridges.find((b) => b.siteId === site.site.id);
    const bridge = site.bridges.find((b) => b.name === bridgeLogin?.name);
    const hub = bridgeLogin ? await connectMqtt({ ...opts.mqtt, username: bridgeLogin.mqttUsername, password: bridgeLogin.mqttPassword }) : undefined;
    if (hub) clients.push(hub);
    for (const d of site.devices) {
      const profile = getProfile(d.profile);
      if (!profile) continue;
      // A check-in carries state, never an event: a profile's sample may hold a button press.
      const { action: _press, ...quiet } = profile.sample;
      const login = opts.creds.devices.find((c) => c.siteId === site.site.id && c.deviceId === d.id);
      if (d.transport === 'mqtt' && login?.mqttUsername && login.mqttPassword) {
        const client = await connectMqtt({ ...opts.mqtt, username: login.mqttUsername, password: login.mqttPassword });
        clients.push(client);
        jobs.push(() => client.publish(nativeTopic(site.site.id, d.id, 'state'), encodeNativeState(quiet, { ts: Date.now() }), { qos: 1 }));
      } else if (d.transport === 'zigbee2mqtt' && hub && bridge && d.friendlyName) {
        const name = d.friendlyName;
        jobs.push(() => hub.publish(`${bridge.baseTopic}/${name}`, encodeZ2mState(quiet, profile, d.model ? { model: d.model } : {}), { qos: 1 }));
      } else if (d.transport === 'watch3g' && d.watchId) {
        const watch = await new WatchSim({ deviceId: d.watchId }).connect(opts.watchHost, opts.watchPort);
        watches.push(watch);
        jobs.push(() => watch.sendLK({ battery: 80 }));
      }
    }
  }
  // Spread the check-ins over the period instead of a burst.
  let next = 0;
  const tick = Math.max(10, Math.floor(opts.everyMs / Math.max(1, jobs.length)));
  for (const job of jobs) job();
  const timer = setInterval(() => { jobs[next % jobs.length]?.(); next += 1; }, tick);
  return async () => {
    clearInterval(timer);
    for (const w of watches) w.close();
    await Promise.all(clients.map((c) => c.endAsync()));
  };
}
