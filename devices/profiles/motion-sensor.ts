import { battery, occupancy, tamper } from './capabilities.ts';
import { defineProfile, PASSIVE_SUPERVISION_SEC } from './define.ts';

/** PIR motion sensor. Zigbee2MQTT clears `occupancy` itself after occupancy_timeout (z2m-027). */
export const motionSensor = defineProfile({
  id: 'motion-sensor',
  title: 'Motion sensor',
  power: 'battery',
  // Battery PIR: Zigbee2MQTT passive timeout 1500 min (Aqara check in hourly, others daily).
  reportIntervalSec: PASSIVE_SUPERVISION_SEC,
  extend: [occupancy(), battery(), tamper()],
  // ON or PIR=ON is motion; "no motion" comes from a timeout, not the line.
  rflink: { on: { occupancy: true }, off: { occupancy: false }, alarmKeys: ['pir'] },
  z2m: { models: { RTCGQ11LM: [] }, encodeModel: 'RTCGQ11LM' },
});
