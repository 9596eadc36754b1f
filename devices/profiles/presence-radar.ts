import { fallRadar, fault, presence, PRESENCE_AS_OCCUPANCY } from './capabilities.ts';
import { ACTIVE_SUPERVISION_SEC, defineProfile } from './define.ts';

/** Mains mmWave presence / fall radar (Tuya ZY-M100 and TS0601 radars). */
export const presenceRadar = defineProfile({
  id: 'presence-radar',
  title: 'Presence / fall radar',
  power: 'mains',
  // Mains router device: Zigbee2MQTT's active timeout, 10 min.
  reportIntervalSec: ACTIVE_SUPERVISION_SEC,
  extend: [presence(), fallRadar(), fault()],
  rflink: { on: { presence: true }, off: { presence: false } },
  z2m: {
    models: {
      'ZY-M100': [], // `presence`, `fall_down_status` under their own names
      TS0601_TZE204_eaulras5: [PRESENCE_AS_OCCUPANCY], // publishes `occupancy` (z2m-029)
    },
    encodeModel: 'ZY-M100',
  },
});
