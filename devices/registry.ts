import type { DeviceProfile } from './profiles/define.ts';
import type { ProfileId } from './profile-ids.ts';
import { bedSensor } from './profiles/bed-sensor.ts';
import { callButtonProfile } from './profiles/call-button.ts';
import { doorContact } from './profiles/door-contact.ts';
import { heatDetector } from './profiles/heat-detector.ts';
import { motionSensor } from './profiles/motion-sensor.ts';
import { presenceRadar } from './profiles/presence-radar.ts';
import { smokeDetector } from './profiles/smoke-detector.ts';
import { sprinklerFlowSwitch } from './profiles/sprinkler-flow-switch.ts';
import { waterLeakSensor } from './profiles/water-leak-sensor.ts';
import { watch4g } from './profiles/watch-4g.ts';
import { wearable } from './profiles/wearable.ts';

export type { Capability, DeviceProfile, PowerSource, Z2mAlias, Z2mHints } from './profiles/define.ts';

const ALL: readonly DeviceProfile[] = [
  smokeDetector, heatDetector, sprinklerFlowSwitch, callButtonProfile, wearable, watch4g,
  motionSensor, bedSensor, doorContact, waterLeakSensor, presenceRadar,
];

/** Every profile by id; site files name them in `devices[].profile`. */
export const PROFILES: ReadonlyMap<ProfileId, DeviceProfile> = new Map(ALL.map((p) => [p.id, p]));

export function getProfile(id: string): DeviceProfile | undefined {
  return PROFILES.get(id as ProfileId);
}

export function listProfiles(): readonly DeviceProfile[] {
  return ALL;
}
