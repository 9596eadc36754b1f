import type { DeviceFields, Reading } from '../../../contract/index.ts';
import type { SiteFixtureInput } from './site-fixture.ts';

/**
 * One day of a small care home, as data: the site, and every reading its devices send from
 * 00:00 to 24:00 local time (Asia/Shanghai) on 2024-03-05. The story:
 *
 * - four residents sleep, get up around 06:45, move about all day, go to bed at 21:30;
 * - 03:10 Li (r02) gets out of bed and does not go back (she is found up and about);
 * - 09:00 Hu (r15) presses his call button by mistake and cancels it a minute later;
 * - 10:00 the activity-room smoke detector is self-tested;
 * - 10:20 Wang's (r01) wearable detects a fall and repeats it ten seconds later;
 * - 11:45 cooking smoke in the kitchen, a second kitchen detector agrees 40 s later; clear by 12:06;
 * - Ma (r13) moves for the last time at 14:00 and then not at all;
 * - the second-floor corridor detector's battery runs down: low at 15:00, last report at 16:00.
 *
 * Every device also reports its battery every 30 min (wearables their vitals every 5 min), so
 * supervision sees a live site; the heartbeats are generated, the story above is written out.
 */

export const DAY_START = Date.UTC(2024, 2, 4, 16, 0, 0); // 2024-03-05 00:00 +08:00
export const DAY_END = DAY_START + 86_400_000;

/** "HH:MM" or "HH:MM:SS" local time of the scenario's day → epoch ms. */
export function at(clock: string): number {
  const [h = 0, m = 0, s = 0] = clock.split(':').map(Number);
  return DAY_START + ((h * 60 + m) * 60 + s) * 1000;
}

export const WHOLE_DAY_SITE: SiteFixtureInput = {
  site: { id: 'demo', name: 'Sunshine Care Home', kind: 'institution', timezone: 'Asia/Shanghai' },
  buildings: [{
    id: 'main', name: 'Main', floors: [
      { id: 'f1', name: 'Ground', level: 1, rooms: [
        { id: '101', name: '101', type: 'bedroom' },
        { id: '102', name: '102', type: 'bedroom' },
        { id: 'act-1', name: 'Activity room', type: 'activity' },
        { id: 'kitchen', name: 'Kitchen', type: 'kitchen', zone: 'kitchen' },
        { id: 'corr-1', name: 'Corridor 1', type: 'corridor' },
      ] },
      { id: 'f2', name: 'First', level: 2, rooms: [
        { id: '201', name: '201', type: 'bedroom' },
        { id: '202', name: '202', type: 'bedroom' },
        { id: 'corr-2', name: 'Corridor 2', type: 'corridor' },
      ] },
    ],
  }],
  residents: [
    { id: 'r01', name: 'Wang', roomId: '101', wanderingRisk: true },
    { id: 'r02', name: 'Li', roomId: '102' },
    { id: 'r13', name: 'Ma', roomId: '201' },
    { id: 'r15', name: 'Hu', roomId: '202' },
  ],
  devices: [
    ...['101', '102', '201', '202', 'act-1', 'corr-1', 'corr-2'].map((room) => ({
      id: `smoke-${room}`, profile: 'smoke-detector', roomId: room, transport: 'mqtt' as const,
    })),
    { id: 'smoke-kitchen-1', profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt' },
    { id: 'smoke-kitchen-2', profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt' },
    { id: 'heat-kitchen', profile: 'heat-detector', roomId: 'kitchen', transport: 'mqtt' },
    { id: 'flow-f1', profile: 'sprinkler-flow-switch', roomId: 'corr-1', transport: 'mqtt' },
    ...['101', '102', '201', '202'].map((room) => ({
      id: `motion-${room}`, profile: 'motion-sensor', roomId: room, transport: 'mqtt' as const,
    })),
    ...[['r01', '101'], ['r02', '102'], ['r13', '201'], ['r15', '202']].flatMap(([r, room]) => [
      { id: `bed-${r}`, profile: 'bed-sensor', roomId: room!, residentId: r!, transport: 'mqtt' as const },
      { id: `call-${r}`, profile: 'call-button', roomId: room!, residentId: r!, transport: 'mqtt' as const },
    ]),
    { id: 'wear-r01', profile: 'wearable', residentId: 'r01', transport: 'mqtt' },
  ],
};

export interface TimedReading {
  at: number;
  reading: Reading;
}

type Story = Array<[clock: string, deviceId: string, fields: DeviceFields]>;

/** The written-out part of the day. */
export const STORY: Story = [
  // Asleep: each bed says so in its first report of the day.
  ['00:00:05', 'bed-r01', { in_bed: true }],
  ['00:00:05', 'bed-r02', { in_bed: true }],
  ['00:00:05', 'bed-r13', { in_bed: true }],
  ['00:00:05', 'bed-r15', { in_bed: true }],
  // 03:10 Li gets up and does not go back to bed.
  ['03:10', 'bed-r02', { in_bed: false }],
  ['03:11', 'motion-102', { occupancy: true }],
  ['03:25', 'bed-r02', { in_bed: false }], // the bed repeats its state: not a new exit
  // Morning.
  ['06:45', 'bed-r01', { in_bed: false }],
  ['06:45', 'bed-r13', { in_bed: false }],
  ['06:45', 'bed-r15', { in_bed: false }],
  // A call pressed by mistake and cancelled within the window.
  ['09:00', 'call-r15', { action: 'single' }],
  ['09:01', 'call-r15', { action: 'cancel' }],
  // Self-test of the activity-room detector: the test sounds the alarm, it is not a fire.
  ['10:00', 'smoke-act-1', { test: true, smoke: true }],
  ['10:00:20', 'smoke-act-1', { test: false, smoke: false }],
  // Wang falls; the wearable repeats the fall in its next report.
  ['10:20', 'wear-r01', { fall: true }],
  ['10:20:10', 'wear-r01', { fall: true, heart_rate: 96 }],
  // Kitchen fire: one detector, then a second one agrees; cleared twenty minutes later.
  ['11:45', 'smoke-kitchen-1', { smoke: true }],
  ['11:45:20', 'smoke-kitchen-1', { smoke: true, battery: 88 }], // cached state resent
  ['11:45:40', 'smoke-kitchen-2', { smoke: true }],
  ['12:05', 'smoke-kitchen-1', { smoke: false }],
  ['12:06', 'smoke-kitchen-2', { smoke: false }],
  // The second-floor corridor detector runs down and falls silent after 16:00.
  ['15:00', 'smoke-corr-2', { battery: 14 }],
  ['15:30', 'smoke-corr-2', { battery: 6 }],
  ['16:00', 'smoke-corr-2', { battery: 2 }],
  // Evening: to bed (Ma, still since 14:00, is not).
  ['21:30', 'bed-r01', { in_bed: true }],
  ['21:30', 'bed-r02', { in_bed: true }],
  ['21:30', 'bed-r15', { in_bed: true }],
];

/** Residents' rooms moving: motion every hour of the day; Ma's last movement is at 14:00. */
function movement(): Story {
  const out: Story = [];
  const rooms: Array<[room: string, last: number]> = [['101', 21], ['102', 21], ['201', 14], ['202', 21]];
  for (const [room, last] of rooms) {
    for (let h = 7; h <= last; h++) out.push([`${String(h).padStart(2, '0')}:00`, `motion-${room}`, { occupancy: true }]);
  }
  return out;
}

/** Heartbeats: every device's battery each 30 min (phase by index), the wearable every 5 min. */
function heartbeats(deviceIds: string[]): Story {
  const out: Story = [];
  deviceIds.forEach((id, i) => {
    if (id === 'wear-r01') {
      for (let m = 2, steps = 0; m < 24 * 60; m += 5) {
        const h = Math.floor(m / 60);
        if (h >= 7 && h < 21) steps += 40;
        out.push([clock(m * 60 + 30), id, { heart_rate: 68 + (m % 7), spo2: 97, worn: true, steps, battery: 80 }]);
      }
      return;
    }
    for (let s = 60 + i * 17; s < 86_400; s += 1800) {
      if (id === 'smoke-corr-2' && s >= 15 * 3600) break; // its battery is dying (STORY)
      out.push([clock(s), id, { battery: 90 }]);
    }
  });
  return out;
}

function clock(sec: number): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(sec / 3600))}:${p(Math.floor(sec / 60) % 60)}:${p(sec % 60)}`;
}

/** The whole day, in time order (stable: at one instant, the story's order is kept). */
export function wholeDayReadings(): TimedReading[] {
  const deviceIds = (WHOLE_DAY_SITE.devices ?? []).map((d) => d.id);
  const all = [...STORY, ...movement(), ...heartbeats(deviceIds)].map(([c, deviceId, fields]) => {
    const ts = at(c);
    return {
      at: ts,
      reading: { type: 'state', siteId: 'demo', deviceId, ts, receivedAt: ts, source: { transport: 'mqtt' }, fields } satisfies Reading,
    };
  });
  return all.sort((a, b) => a.at - b.at);
}
