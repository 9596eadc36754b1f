import { fault, pressure, supervisedValve, tamper, waterFlow } from './capabilities.ts';
import { ACTIVE_SUPERVISION_SEC, defineProfile } from './define.ts';

/**
 * Sprinkler water-flow switch with line pressure and control-valve supervision, wired through a
 * mains-powered I/O module. No Zigbee2MQTT model is known, so no `z2m` hints.
 */
export const sprinklerFlowSwitch = defineProfile({
  id: 'sprinkler-flow-switch',
  title: 'Sprinkler water-flow switch',
  power: 'mains',
  // Mains module reporting actively: Zigbee2MQTT's active timeout, 10 min.
  reportIntervalSec: ACTIVE_SUPERVISION_SEC,
  extend: [waterFlow(), pressure(), supervisedValve(), tamper(), fault()],
  rflink: { on: { water_flow: true }, off: { water_flow: false } },
});
