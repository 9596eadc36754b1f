import { battery, bedOccupancy, tamper } from './capabilities.ts';
import { defineProfile, PASSIVE_SUPERVISION_SEC } from './define.ts';

/** Bed pressure mat: `in_bed`. No Zigbee2MQTT model with fixtures is known, so no `z2m` hints. */
export const bedSensor = defineProfile({
  id: 'bed-sensor',
  title: 'Bed sensor',
  power: 'battery',
  // Battery mat: reports on change plus a daily check-in, as passive Zigbee devices do.
  reportIntervalSec: PASSIVE_SUPERVISION_SEC,
  extend: [bedOccupancy(), battery(), tamper()],
});
