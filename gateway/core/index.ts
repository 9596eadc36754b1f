/** The stream core's public face: what the gateway (and the benchmark) call. */
export { watchSite, type WatchSiteOptions } from './watch-site.ts';
export { type EventDraft, deviceEvent } from './event-draft.ts';
export { MemoryRuleState, type RuleStateStore } from './rule-state.ts';
export { VirtualClock } from './virtual-clock.ts';
export { rulesFor } from './resident-rules.ts';
export { MOMENTARY_KINDS, limitAlarmFloods } from './limit-alarm-floods.ts';
export { watchActivity, type WatchActivityOptions } from './watch-activity.ts';
export { superviseDevices, type SuperviseDevicesOptions } from './supervise-devices.ts';
// The single rules, for composing other sites (and for tests).
export { raiseOnFlag, type FlagRule } from './raise-on-flag.ts';
export { raiseWaterFlow } from './raise-water-flow.ts';
export { confirmFireAcrossDetectors } from './confirm-fire-across-detectors.ts';
export { recordSelfTest } from './record-self-test.ts';
export { raiseCall } from './raise-call.ts';
export { raiseWearableAlarms } from './raise-wearable-alarms.ts';
export { raiseOnVitalOutOfRange, type Vital } from './raise-on-vital-out-of-range.ts';
export { raiseNotWorn } from './raise-not-worn.ts';
export { haversineM, raiseGeofenceExit } from './raise-geofence-exit.ts';
