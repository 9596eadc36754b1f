import { battery, callButton, SOS_AS_EMERGENCY, tamper } from './capabilities.ts';
import { defineProfile, PASSIVE_SUPERVISION_SEC } from './define.ts';

/** Call button / pull cord / SOS button. Every call action is a call; `cancel` is the resident's. */
export const callButtonProfile = defineProfile({
  id: 'call-button',
  title: 'Call button',
  power: 'battery',
  // Battery button: daily check-in, Zigbee2MQTT passive timeout 1500 min.
  reportIntervalSec: PASSIVE_SUPERVISION_SEC,
  extend: [callButton(), battery(), tamper()],
  // Every press is a call; a remote's OFF button is the resident's cancel (rfl-012).
  rflink: { on: { action: 'emergency' }, off: { action: 'cancel' } },
  // Unknown models read every alias, including iasZoneAlarm({zoneType: "sos"})'s boolean `sos`.
  z2m: {
    models: {
      TS0601_sos: [], // action "emergency" via datapoint 23 (z2m-009)
      TS0215A_sos: [], // action "emergency" via IAS ACE commandEmergency (z2m-011)
      'KEYZB-110': [], // action "emergency" via IAS ACE
      'HS1EB/HS1EB-E': [], // action single/double/hold from IAS zone status (z2m-015)
      'HS1RC-M': [SOS_AS_EMERGENCY], // 2019 converter: boolean `emergency`
    },
    encodeModel: 'TS0215A_sos',
  },
});
