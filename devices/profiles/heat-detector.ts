import { battery, fault, HEAT_AS_ALARM, HEAT_AS_SMOKE, heatAlarm, selfTest, tamper, temperature } from './capabilities.ts';
import { defineProfile, PASSIVE_SUPERVISION_SEC } from './define.ts';

/**
 * Heat alarm (kitchens, where smoke detectors false-alarm). Its Zigbee models publish the
 * alarm under another hazard's name: the profile, not the property name, says it is heat.
 */
export const heatDetector = defineProfile({
  id: 'heat-detector',
  title: 'Heat detector',
  power: 'battery',
  // Battery detector: daily check-in, Zigbee2MQTT passive timeout 1500 min.
  reportIntervalSec: PASSIVE_SUPERVISION_SEC,
  extend: [heatAlarm(), temperature(), selfTest(), battery(), tamper(), fault()],
  rflink: { on: { heat: true }, off: { heat: false }, alarmKeys: ['smokeAlert'], temperature: true },
  z2m: {
    models: {
      'HESZB-120': [HEAT_AS_SMOKE], // definition exposes e.smoke() (README §1)
      'HM-5HA-E': [HEAT_AS_ALARM], // iasZoneAlarm({zoneType: "alarm"}) (z2m-007)
    },
    encodeModel: 'HESZB-120',
  },
});
