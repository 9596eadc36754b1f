import { battery, contact, tamper } from './capabilities.ts';
import { defineProfile, PASSIVE_SUPERVISION_SEC } from './define.ts';

/** Door or window contact; `contact: true` means closed (README §1). */
export const doorContact = defineProfile({
  id: 'door-contact',
  title: 'Door contact',
  power: 'battery',
  // Battery contact: Zigbee2MQTT passive timeout 1500 min.
  reportIntervalSec: PASSIVE_SUPERVISION_SEC,
  extend: [contact(), battery(), tamper()],
  // ON = opened (Atlantic/Visonic send OFF when the alarm bit clears, rfl-027): contact false.
  rflink: { on: { contact: false }, off: { contact: true } },
  z2m: { models: { 'MCT-340 E': [] }, encodeModel: 'MCT-340 E' },
});
