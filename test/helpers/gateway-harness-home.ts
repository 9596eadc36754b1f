import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncScheduler } from 'rxjs';
import type { Event, Lane, Reading, SiteFileInput } from '../../contract/index.ts';
import { getProfile } from '../../devices/registry.ts';
import { createLogger } from '../../gateway/log.ts';
import { Metrics } from '../../gateway/metrics.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { Rejections } from '../../gateway/rejections.ts';
import { loadSiteFile } from '../../gateway/site/load-site-file.ts';
import { SiteRegistry } from '../../gateway/site/site-registry.ts';
import { SiteRuntime } from '../../gateway/site/site-runtime.ts';
import { openGatewayDb } from '../../gateway/store/open-gateway-db.ts';
import { tempDir } from './temp-dir.ts';

/** Ids of the home the harness loads: a resident living alone with a watch and platform detectors. */
export const HOME = {
  siteId: 'home-test-1',
  watchId: '8800000015',
  watchDeviceId: 'watch-mei',
  iwImei: '860000000000015',
  iwDeviceId: 'watch-iw-mei',
  ctwingDeviceId: 'acf7baaee65e431eadfb8f5fe50e8b81',
  ctwingSmoke: 'smoke-ctwing',
  oneNetDeviceId: '523444202',
  oneNetSmoke: 'smoke-onenet',
  genericDeviceId: '860000000000077',
  genericButton: 'button-acme',
} as const;

export function homeSiteInput(): SiteFileInput {
  return {
    site: {
      id: HOME.siteId,
      name: 'Mei at home',
      kind: 'home',
      timezone: 'Asia/Shanghai',
      region: { city: 'Shanghai', district: 'Xuhui', street: 'Tianping', community: 'Home test' },
    },
    buildings: [{ id: 'flat', name: 'Flat', floors: [{ id: 'f1', name: 'Floor', level: 3, rooms: [
      { id: 'living', name: 'Living room', type: 'living' },
      { id: 'kitchen', name: 'Kitchen', type: 'kitchen' },
    ] }] }],
    residents: [{ id: 'mei', name: 'Mei', roomId: 'living', livesAlone: true }],
    devices: [
      { id: HOME.watchDeviceId, profile: 'watch-4g', residentId: 'mei', transport: 'watch3g', watchId: HOME.watchId },
      { id: HOME.iwDeviceId, profile: 'watch-4g', residentId: 'mei', transport: 'watch3g', watchId: HOME.iwImei },
      { id: HOME.ctwingSmoke, profile: 'smoke-detector', roomId: 'kitchen', transport: 'platform', platform: 'ctwing', platformDeviceId: HOME.ctwingDeviceId },
      { id: HOME.oneNetSmoke, profile: 'smoke-detector', roomId: 'living', transport: 'platform', platform: 'onenet', platformDeviceId: HOME.oneNetDeviceId },
      { id: HOME.genericButton, profile: 'call-button', roomId: 'living', residentId: 'mei', transport: 'platform', platform: 'acme', platformDeviceId: HOME.genericDeviceId },
    ],
  };
}

export interface HomeHarness {
  registry: SiteRegistry;
  outbox: SqliteOutbox;
  db: ReturnType<typeof openGatewayDb>;
  metrics: Metrics;
  rejections: Rejections;
  log: ReturnType<typeof createLogger>;
  /** Every reading pushed into a site runtime, in order (after it returned). */
  readings: Reading[];
  /** Makes the next `push` of any runtime throw, as a failed outbox write does. */
  failNextPush(): void;
  events(lane?: Lane): Event[];
  close(): void;
}

/**
 * A real registry with real SiteRuntimes (real rules) on a temp-dir SQLite outbox, loaded from a
 * site file written to disk — what the gateway builds at start, minus the transports under test.
 */
export function homeHarness(input: SiteFileInput = homeSiteInput()): HomeHarness {
  const dir = tempDir('carewatch-home-');
  const db = openGatewayDb(dir.path);
  const outbox = new SqliteOutbox({ db, clock: () => Date.now() });
  const log = createLogger('home-harness', 'silent');
  const metrics = new Metrics();
  const readings: Reading[] = [];
  let failNext = false;
  class RecordingRuntime extends SiteRuntime {
    override push(reading: Reading): void {
      if (failNext) {
        failNext = false;
        throw new Error('outbox write failed (harness)');
      }
      super.push(reading);
      readings.push(reading);
    }
  }
  const registry = new SiteRegistry((site) => new RecordingRuntime(site, { db, outbox, scheduler: asyncScheduler, log }));
  const file = join(dir.path, 'home.json');
  writeFileSync(file, JSON.stringify(input));
  const loaded = loadSiteFile(file, getProfile);
  if (!loaded.ok) throw new Error(`harness site refused:\n${loaded.errors.join('\n')}`);
  const conflicts = registry.upsert(loaded.site);
  if (conflicts.length > 0) throw new Error(conflicts.join('\n'));
  return {
    registry, outbox, db, metrics, log, readings,
    rejections: new Rejections(metrics, log),
    failNextPush: () => { failNext = true; },
    events: (lane) => (lane ? outbox.peek(lane, 1000) : (['life_safety', 'alarm', 'telemetry'] as const).flatMap((l) => outbox.peek(l, 1000))),
    close() {
      registry.stopAll();
      outbox.close();
      db.close();
      dir.remove();
    },
  };
}

/** Polls `check` until it holds (real sockets deliver asynchronously); bounded in time. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
