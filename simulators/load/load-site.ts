import type { ProfileId } from '../../devices/profile-ids.ts';
import type { SiteFileInput } from '../../contract/index.ts';

/** Devices behind one Zigbee2MQTT hub: a large care home runs several, each one MQTT connection. */
export const DEVICES_PER_BRIDGE = 2500;

/** The mix of a care home's Zigbee devices (shares of N), and what each reports routinely. */
export const LOAD_PROFILES: ReadonlyArray<{ profile: ProfileId; share: number }> = [
  { profile: 'call-button', share: 0.25 },
  { profile: 'motion-sensor', share: 0.25 },
  { profile: 'smoke-detector', share: 0.2 },
  { profile: 'wearable', share: 0.2 },
  { profile: 'door-contact', share: 0.1 },
];

export interface LoadDevice {
  id: string;
  profile: ProfileId;
  bridge: string;
  friendlyName: string;
}

const pad = (i: number, w: number) => String(i).padStart(w, '0');

/**
 * One institution site (`load`) with `count` Zigbee2MQTT devices spread over 50 rooms a floor and
 * hubs of 2,500 devices: the devices a load run plays, registered like any site's, so every
 * message goes through the gateway's whole path (broker, bridge decode, rules, outbox).
 */
export function loadSite(count: number): { file: SiteFileInput; devices: LoadDevice[] } {
  const devices: LoadDevice[] = [];
  let i = 0;
  for (const { profile, share } of LOAD_PROFILES) {
    const n = profile === LOAD_PROFILES.at(-1)!.profile ? count - devices.length : Math.round(count * share);
    for (let k = 0; k < n; k++, i++) {
      const bridge = `hub${pad(Math.floor(i / DEVICES_PER_BRIDGE), 2)}`;
      devices.push({ id: `${profile}-${pad(k, 5)}`, profile, bridge, friendlyName: `${profile} ${pad(k, 5)}` });
    }
  }
  const rooms = Math.max(1, Math.ceil(count / 20));
  const floors = Math.ceil(rooms / 50);
  const file: SiteFileInput = {
    site: { id: 'load', name: '负载测试楼', kind: 'institution', timezone: 'Asia/Shanghai', region: { city: '杭州市', district: '上城区', street: '湖滨街道', community: '负载社区' } },
    buildings: [{
      id: 'main', name: '主楼',
      floors: Array.from({ length: floors }, (_, f) => ({
        id: `f${f + 1}`, name: `${f + 1}层`, level: f + 1,
        rooms: Array.from({ length: Math.min(50, rooms - f * 50) }, (_, r) => ({ id: `r${pad(f * 50 + r, 4)}`, name: `房间 ${f * 50 + r}`, type: 'bedroom' as const })),
      })),
    }],
    residents: [],
    bridges: [...new Set(devices.map((d) => d.bridge))].map((name) => ({ name, baseTopic: `z2m-${name}` })),
    devices: devices.map((d, k) => ({ id: d.id, profile: d.profile, roomId: `r${pad(k % rooms, 4)}`, transport: 'zigbee2mqtt' as const, friendlyName: d.friendlyName, bridge: d.bridge })),
  };
  return { file, devices };
}
