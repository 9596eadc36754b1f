import { battery, tamper, waterLeak } from './capabilities.ts';
import { defineProfile, PASSIVE_SUPERVISION_SEC } from './define.ts';

/** Water leak sensor. `water_leak` may be absent until the first leak (z2m-019): unknown, not dry. */
export const waterLeakSensor = defineProfile({
  id: 'water-leak-sensor',
  title: 'Water leak sensor',
  power: 'battery',
  // Battery sensor: Zigbee2MQTT passive timeout 1500 min.
  reportIntervalSec: PASSIVE_SUPERVISION_SEC,
  extend: [waterLeak(), battery(), tamper()],
  rflink: { on: { water_leak: true }, off: { water_leak: false } },
  z2m: {
    // Aqara's `temperature` is the device's own temperature; this profile has no such field (z2m-017).
    models: { SJCGQ11LM: [] },
    encodeModel: 'SJCGQ11LM',
  },
});
