/** The ids site files use in `devices[].profile`. Each has a definition in `devices/profiles/`. */
export const PROFILE_IDS = [
  'smoke-detector',
  'heat-detector',
  'sprinkler-flow-switch',
  'call-button',
  'wearable',
  'watch-4g',
  'motion-sensor',
  'bed-sensor',
  'door-contact',
  'water-leak-sensor',
  'presence-radar',
] as const;
export type ProfileId = (typeof PROFILE_IDS)[number];
