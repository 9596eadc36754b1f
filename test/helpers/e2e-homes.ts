import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { SiteFileInput } from '../../contract/index.ts';
import { DEMO_SITES_DIR } from '../../simulators/demo/cli.ts';

/** The demo home the copies are made from: watch, Zigbee SOS button, door, radar, CTWing smoke detector. */
export const HOME_TEMPLATE = join(DEMO_SITES_DIR, 'homes', 'home-0001.yaml');

/** What tells one home copy from another: the ids every transport addresses it by. */
export interface HomeCopy {
  siteId: string;
  watchId: string;
  platformDeviceId: string;
  baseTopic: string;
  file: string;
}

/**
 * Home number `n` (1–99): its own site id, 10-digit watch id, CTWing device id and hub base
 * topic. The Zigbee friendly names stay as the template has them ("front door", "living
 * radar"): homes name their devices alike, each behind its own hub.
 */
export function homeCopy(dir: string, n: number): HomeCopy {
  const nn = String(n).padStart(2, '0');
  const siteId = `home-e${nn}`;
  return {
    siteId,
    watchId: `77000000${nn}`,
    platformDeviceId: `8612340599900${nn}`,
    baseTopic: `zigbee2mqtt-${siteId}`,
    file: join(dir, `${siteId}.yaml`),
  };
}

/** The template home rewritten as `home`; `edit` may change it further (a schedule, the rules). */
export function homeFileInput(home: HomeCopy, edit?: (file: SiteFileInput) => void): SiteFileInput {
  const file = parseYaml(readFileSync(HOME_TEMPLATE, 'utf8')) as SiteFileInput;
  file.site.id = home.siteId;
  file.site.name = `Home ${home.siteId}`;
  for (const d of file.devices ?? []) {
    if (d.transport === 'watch3g') d.watchId = home.watchId;
    if (d.transport === 'platform') d.platformDeviceId = home.platformDeviceId;
  }
  for (const b of file.bridges ?? []) b.baseTopic = home.baseTopic;
  edit?.(file);
  return file;
}

/** Writes a site file as an editor or config management does: a temp file, then a rename. */
export function writeSiteFileAtomically(path: string, content: string): void {
  const dir = join(path, '..');
  const tmp = join(dir, `.${path.slice(dir.length + 1)}.tmp`);
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export function writeHome(home: HomeCopy, edit?: (file: SiteFileInput) => void, path = home.file): void {
  writeSiteFileAtomically(path, toYaml(homeFileInput(home, edit)));
}

export function removeHome(home: HomeCopy): void {
  rmSync(home.file);
}
