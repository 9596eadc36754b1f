import { Subject, type SchedulerLike, Subscription } from 'rxjs';
import { SiteFile, type Reading, type StateReading } from './contract/index.ts';
import { buildSiteModel } from './gateway/site/build-model.ts';
import { MemoryRuleState } from './gateway/core/rule-state.ts';
import { raiseOnSilence } from './gateway/core/raise-on-silence.ts';
import { raiseDeviceTrouble } from './gateway/core/raise-device-trouble.ts';
import { raiseOnInactivity } from './gateway/core/raise-on-inactivity.ts';
import { toActivity } from './gateway/core/to-activity.ts';
import { indexResidentSensors } from './gateway/core/resident-sensors.ts';
import { LinkRegistry } from './gateway/core/raise-on-link-down.ts';

const N = 100_000;
const R = N / 2; // one resident per two devices (motion + bed)
const rooms = Array.from({ length: R }, (_, i) => ({ id: `r${i}`, name: `r${i}`, type: 'bedroom' as const }));
const file = SiteFile.parse({
  site: { id: 's', name: 's', kind: 'institution', region: { city: 'a', district: 'b', street: 'c', community: 'd' } },
  buildings: [{ id: 'b', name: 'b', floors: [{ id: 'f', name: 'f', level: 0, rooms }] }],
  residents: Array.from({ length: R }, (_, i) => ({ id: `p${i}`, name: 'x', roomId: `r${i}` })),
  devices: Array.from({ length: N }, (_, i) => ({ id: `d${i}`, profile: i % 2 ? 'bed-sensor' : 'motion-sensor', roomId: `r${i >> 1}`, residentId: `p${i >> 1}`, transport: 'mqtt' })),
});
const built = buildSiteModel(file, () => ({ reportIntervalSec: 3600 }));
if (!built.ok) throw new Error('bad');
const site = built.site;
let now = Date.UTC(2024, 0, 16, 2);
const scheduler: SchedulerLike = { now: () => now, schedule: () => new Subscription() };
const gc = (globalThis as { gc?: () => void }).gc!;
const index = indexResidentSensors(site);
gc(); gc();
const before = process.memoryUsage().heapUsed;
const readings = new Subject<Reading>();
const sweep = new Subject<void>();
const state = new MemoryRuleState();
const registry = new LinkRegistry(site, state);
let events = 0;
const states = new Subject<StateReading>();
const subs = [
  readings.pipe(raiseOnSilence({ site, scheduler, state, sweep, registry })).subscribe(() => events++),
  states.pipe(raiseDeviceTrouble({ site, scheduler, state, sweep })).subscribe(() => events++),
  states.pipe(toActivity(site, index, scheduler), raiseOnInactivity({ site, index, scheduler, state, sweep })).subscribe(() => events++),
];
sweep.next();
gc(); gc();
const after = process.memoryUsage().heapUsed;
// MemoryRuleState holds JSON strings (the SQLite store's job in production): measure separately
console.log(`heap for ${N} devices + ${R} residents under supervision+trouble+inactivity: ${((after - before) / N).toFixed(0)} B/device (incl. the in-memory store)`);
const msgs: StateReading[] = Array.from({ length: 1000 }, (_, i) => ({
  type: 'state', siteId: 's', deviceId: `d${(i * 97) % N}`, ts: now, receivedAt: now, source: { transport: 'mqtt' },
  fields: i % 2 ? { in_bed: i % 4 === 1, battery: 80 } : { occupancy: true, battery: 80 },
}));
const M = 1_000_000;
const t0 = performance.now();
for (let i = 0; i < M; i++) {
  const m = msgs[i % 1000]!;
  now += 1;
  readings.next(m);
  states.next(m);
}
const dt = performance.now() - t0;
console.log(`${M} readings through silence+trouble+activity+inactivity: ${(M / (dt / 1000)).toFixed(0)} readings/s (${((dt * 1000) / M).toFixed(2)} µs each)`);
const t1 = performance.now();
now += 10_000;
sweep.next();
console.log(`one sweep over ${N} devices / ${R} residents: ${(performance.now() - t1).toFixed(1)} ms, events so far ${events}`);
subs.forEach((s) => s.unsubscribe());
