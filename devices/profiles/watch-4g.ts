import {
  battery, fallDetection, heartRate, location, spo2, stepCounter, wearableSos, wornDetection,
} from './capabilities.ts';
import { defineProfile } from './define.ts';

/** 4G elderly watch speaking the "3G*" protocol (SOS, fall, taken-off, position, vitals). */
export const watch4g = defineProfile({
  id: 'watch-4g',
  title: '4G watch',
  power: 'battery',
  // The LK keep-alive comes about every 5 min; three missed keep-alives = offline.
  reportIntervalSec: 15 * 60,
  extend: [wearableSos(), fallDetection(), heartRate(), spo2(), stepCounter(), wornDetection(), location(), battery()],
});
