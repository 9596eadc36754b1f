import type { DemoCredentials, DeviceFields, SiteFile } from '../../contract/index.ts';
import { connectMqtt, Z2mBridgeSim, type BrokerAddress } from '../devices/mqtt-device.ts';
import { pushAsPlatform } from '../devices/platform-sim.ts';
import { WatchSim } from '../devices/watch-sim.ts';

export const HOME_ACTIONS = ['lk', 'sos', 'fall', 'smoke', 'smoke-clear', 'button', 'door-open', 'door-close', 'radar-fall', 'radar-presence'] as const;
export type HomeAction = (typeof HOME_ACTIONS)[number];

export interface HomeEndpoints {
  mqtt: BrokerAddress;
  watchHost: string;
  watchPort: number;
  /** The gateway's platform-push listener. */
  pushUrl: string;
}

/**
 * Plays one thing happening in a home, over the transport the home's device really uses: the
 * 4G watch over TCP ("3G*"), the Zigbee devices as the home's Zigbee2MQTT hub, the NB-IoT smoke
 * detector as a CTWing platform push. Resolves when the gateway has answered.
 */
export async function playHome(site: SiteFile, creds: DemoCredentials, action: HomeAction, ep: HomeEndpoints): Promise<string> {
  const byProfile = (profile: string) => site.devices.find((d) => d.profile === profile);
  switch (action) {
    case 'lk':
    case 'sos':
    case 'fall': {
      const watch = byProfile('watch-4g');
      if (!watch?.watchId) throw new Error(`${site.site.id} has no 4G watch`);
      const sim = await new WatchSim({ deviceId: watch.watchId }).connect(ep.watchHost, ep.watchPort);
      try {
        if (action === 'lk') { sim.sendLK({ battery: 80, steps: 1200 }); await sim.waitForReply('LK'); }
        else { sim.sendAlarm(action === 'sos' ? { sos: true } : { fall: true }); await sim.waitForReply('AL'); }
      } finally {
        sim.close();
      }
      return `watch ${watch.watchId}: ${action} answered by the gateway`;
    }
    case 'smoke':
    case 'smoke-clear': {
      const smoke = site.devices.find((d) => d.profile === 'smoke-detector' && d.transport === 'platform');
      if (!smoke?.platformDeviceId || !smoke.platform) throw new Error(`${site.site.id} has no platform smoke detector`);
      const token = creds.platforms?.find((p) => p.platform === smoke.platform)?.token;
      const res = await pushAsPlatform(ep.pushUrl, smoke.platform, {
        platformDeviceId: smoke.platformDeviceId,
        data: { smoke_state: action === 'smoke' ? 1 : 0, battery_value: 87 },
      }, token);
      if (res.status !== 200) throw new Error(`push answered ${res.status}: ${JSON.stringify(res.body)}`);
      return `${smoke.platform} push for ${smoke.platformDeviceId}: ${action}`;
    }
    default: {
      const target = action === 'button' ? byProfile('call-button') : action.startsWith('door') ? byProfile('door-contact') : byProfile('presence-radar');
      const fields: DeviceFields = action === 'button' ? { action: 'emergency' }
        : action === 'door-open' ? { contact: false } : action === 'door-close' ? { contact: true }
        : action === 'radar-fall' ? { presence: true, fall_down_status: 'fall' } : { presence: true, fall_down_status: 'none' };
      const bridge = site.bridges[0];
      const login = creds.bridges.find((b) => b.siteId === site.site.id);
      if (!target?.friendlyName || !bridge || !login) throw new Error(`${site.site.id} has no Zigbee2MQTT device for ${action}`);
      const client = await connectMqtt({ ...ep.mqtt, username: login.mqttUsername, password: login.mqttPassword });
      try {
        await new Z2mBridgeSim(client, bridge.baseTopic).publish(target.friendlyName, target.profile, fields, target.model);
      } finally {
        await client.endAsync();
      }
      return `${bridge.baseTopic}/${target.friendlyName}: ${JSON.stringify(fields)}`;
    }
  }
}
