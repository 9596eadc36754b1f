import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncScheduler } from 'rxjs';
import type Database from 'better-sqlite3';
import { type Event, Lane, type LinkStatus, type SiteFileInput } from '../../contract/index.ts';
import { getProfile } from '../../devices/registry.ts';
import { type Logger, createLogger } from '../../gateway/log.ts';
import { Metrics } from '../../gateway/metrics.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { Rejections } from '../../gateway/rejections.ts';
import { loadSiteFile } from '../../gateway/site/load-site-file.ts';
import { SiteRegistry } from '../../gateway/site/site-registry.ts';
import { SiteRuntime } from '../../gateway/site/site-runtime.ts';
import { GatewayTrouble } from '../../gateway/site/gateway-trouble.ts';
import { UnregisteredDevices } from '../../gateway/site/unregistered-devices.ts';
import { openGatewayDb } from '../../gateway/store/open-gateway-db.ts';
import { DEFAULT_SITE_INPUT } from '../gateway/core/site-fixture.ts';
import { tempDir } from './temp-dir.ts';

/**
 * A real gateway core for transport tests: a site file written to a temp dir and loaded by the
 * site loader, SiteRuntimes with the real rules on a temp-dir SQLite outbox. Tests assert on
 * what landed in the outbox and on the LinkStatus pushes the transport made.
 */
export interface TransportHarness {
  siteId: string;
  registry: SiteRegistry;
  outbox: SqliteOutbox;
  db: Database.Database;
  /** The gateway's own trouble events, filed under the harness site. */
  trouble: GatewayTrouble;
  metrics: Metrics;
  rejections: Rejections;
  log: Logger;
  /** Every LinkStatus pushed into the site, in order. */
  links: LinkStatus[];
  /** Events in the outbox, all lanes, oldest first. */
  events(): Event[];
  close(): void;
}

export type HarnessSiteInput = Pick<SiteFileInput, 'devices' | 'serial' | 'bridges'>;

export const HARNESS_SITE_ID = 'transport-test';

export function createTransportHarness(input: HarnessSiteInput): TransportHarness {
  const dir = tempDir('carewatch-transports-');
  const file = join(dir.path, 'site.json');
  // The core tests' building (gateway/core site-fixture), one resident, and only the devices given.
  const site: SiteFileInput = {
    site: { ...DEFAULT_SITE_INPUT.site, id: HARNESS_SITE_ID, name: 'Transport test home' },
    buildings: DEFAULT_SITE_INPUT.buildings,
    residents: [{ id: 'ann', name: 'Ann', roomId: 'room-101' }],
    ...input,
  };
  writeFileSync(file, JSON.stringify(site));
  const loaded = loadSiteFile(file, getProfile);
  if (!loaded.ok) throw new Error(`harness site refused:\n${loaded.errors.join('\n')}`);

  const log = createLogger('transport-test', 'silent');
  const metrics = new Metrics();
  const rejections = new Rejections(metrics, log);
  const db: Database.Database = openGatewayDb(join(dir.path, 'data'));
  const outbox = new SqliteOutbox({ db, clock: () => Date.now() });
  const trouble = new GatewayTrouble({ gatewayId: 'gw-harness', outbox, metrics, log, anySite: () => HARNESS_SITE_ID });
  const unregistered = new UnregisteredDevices({ metrics, log });
  const registry = new SiteRegistry((model) => new SiteRuntime(model, { db, outbox, scheduler: asyncScheduler, log, metrics, trouble, unregistered }));
  const conflicts = registry.upsert(loaded.site);
  if (conflicts.length > 0) throw new Error(conflicts.join('\n'));

  const links: LinkStatus[] = [];
  const runtime = registry.get(HARNESS_SITE_ID)!;
  const pushLink = runtime.pushLink.bind(runtime);
  runtime.pushLink = (status) => {
    links.push(status);
    pushLink(status);
  };

  return {
    siteId: HARNESS_SITE_ID,
    registry,
    outbox,
    db,
    trouble,
    metrics,
    rejections,
    log,
    links,
    events: () => Lane.options.flatMap((lane) => outbox.peek(lane, 10_000)).sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq),
    close() {
      registry.stopAll();
      trouble.stop();
      outbox.close();
      db.close();
      dir.remove();
    },
  };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 3000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Events of one kind and action for one subject. */
export function eventsOf(events: Event[], kind: Event['kind'], subject?: string): Event[] {
  return events.filter((e) => e.kind === kind && (subject === undefined || e.subject === subject));
}

export interface FixtureCase {
  id: string;
  input: string;
  topic?: string;
  expect: Record<string, unknown>;
}

/** One golden case from test/fixtures/<proto>/cases.jsonl, by id prefix (`rfl-001`, `gb-001`). */
export function fixture(proto: 'rflink' | 'gb26875' | 'zigbee2mqtt', idPrefix: string): FixtureCase {
  const text = readFileSync(new URL(`../fixtures/${proto}/cases.jsonl`, import.meta.url), 'utf8');
  const found = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as FixtureCase).find((c) => c.id.startsWith(`${idPrefix}-`));
  if (!found) throw new Error(`no fixture ${idPrefix} in ${proto}/cases.jsonl`);
  return found;
}
