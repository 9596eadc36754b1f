import {
  battery, fallDetection, heartRate, location, spo2, stepCounter, wearableSos, wornDetection,
} from './capabilities.ts';
import { defineProfile } from './define.ts';

/** Wearable pendant or band with SOS, fall detection and vitals, reporting through a hub or platform. */
export const wearable = defineProfile({
  id: 'wearable',
  title: 'Wearable',
  power: 'battery',
  // Vitals and position are sent at least every 30 min while worn; two missed reports = offline.
  reportIntervalSec: 60 * 60,
  extend: [wearableSos(), fallDetection(), heartRate(), spo2(), stepCounter(), wornDetection(), location(), battery()],
});
