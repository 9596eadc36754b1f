/** The stream core's public face: what the gateway (and the benchmark) call. */
export { watchSite, type WatchSiteOptions } from './watch-site.ts';
export { type EventDraft, deviceEvent } from './kit/event-draft.ts';
export { MemoryRuleState, type RuleStateStore } from './kit/rule-state.ts';
export { VirtualClock } from './kit/virtual-clock.ts';
export { rulesFor } from './kit/resident-rules.ts';
export { MOMENTARY_KINDS, limitAlarmFloods } from './limit-alarm-floods.ts';
export { watchActivity, type WatchActivityOptions } from './activity/watch-activity.ts';
export { superviseDevices, type SuperviseDevicesOptions } from './supervision/supervise-devices.ts';
// The single rules, for composing other sites (and for tests).
export { raiseOnFlag, type FlagRule } from './fire/raise-on-flag.ts';
export { raiseWaterFlow } from './fire/raise-water-flow.ts';
export { confirmFireAcrossDetectors } from './fire/confirm-fire-across-detectors.ts';
export { recordSelfTest } from './fire/record-self-test.ts';
export { raiseCall } from './call/raise-call.ts';
export { raiseWearableAlarms } from './wearable/raise-wearable-alarms.ts';
export { raiseOnVitalOutOfRange, type Vital } from './wearable/raise-on-vital-out-of-range.ts';
export { raiseNotWorn } from './wearable/raise-not-worn.ts';
export { haversineM, raiseGeofenceExit } from './wearable/raise-geofence-exit.ts';
