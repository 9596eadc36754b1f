import { battery, fault, selfTest, smokeAlarm, tamper } from './capabilities.ts';
import { defineProfile, PASSIVE_SUPERVISION_SEC } from './define.ts';

/** Battery smoke alarm (Xiaomi JTYJ-GD-01LM/BW, Heiman HS1SA family, 433 MHz and NB-IoT models). */
export const smokeDetector = defineProfile({
  id: 'smoke-detector',
  title: 'Smoke detector',
  power: 'battery',
  // Battery detectors check in at least daily; Zigbee2MQTT's passive timeout is 1500 min.
  reportIntervalSec: PASSIVE_SUPERVISION_SEC,
  extend: [smokeAlarm(), selfTest(), battery(), tamper(), fault()],
  // FA20RF and EV1527 detectors: ON (or SMOKEALERT=ON) is the alarm, repeated while it sounds.
  rflink: { on: { smoke: true }, off: { smoke: false }, alarmKeys: ['smokeAlert'] },
  z2m: {
    // Both publish `smoke` under its own name (z2m-001, z2m-003, z2m-005).
    models: { 'JTYJ-GD-01LM/BW': [], 'HS1SA': [] },
    encodeModel: 'JTYJ-GD-01LM/BW',
  },
});
