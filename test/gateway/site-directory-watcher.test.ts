import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getProfile } from '../../devices/registry.ts';
import type { SiteModel } from '../../gateway/site/model.ts';
import { SiteDirectoryWatcher } from '../../gateway/site/site-directory-watcher.ts';
import { SiteRegistry } from '../../gateway/site/site-registry.ts';
import type { SiteRuntime } from '../../gateway/site/site-runtime.ts';
import { waitFor } from '../helpers/e2e-devices.ts';
import { type HomeCopy, homeCopy, removeHome, writeHome } from '../helpers/e2e-homes.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The watcher alone, over a real folder: what a full rescan finds, and what file-system
// notifications apply with no rescan at all (the regional gateway's rescan is 30 s apart).
describe('SiteDirectoryWatcher', () => {
  const dir = tempDir('carewatch-watcher-');
  const folder = join(dir.path, 'homes');
  const home = (n: number): HomeCopy => homeCopy(folder, n);
  let started: Map<string, number>;
  let registry: SiteRegistry;
  let removed: string[];
  let watcher: SiteDirectoryWatcher | undefined;

  beforeEach(() => {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    started = new Map();
    removed = [];
    // A runtime that only records that its site runs: the rules are not what is tested here.
    registry = new SiteRegistry((site: SiteModel) => ({
      site,
      start: () => started.set(site.id, (started.get(site.id) ?? 0) + 1),
      stop: () => undefined,
    }) as unknown as SiteRuntime);
  });

  afterEach(() => watcher?.stop());
  afterAll(() => dir.remove());

  const make = (opts: { notifications: boolean; everyMs?: number }) => new SiteDirectoryWatcher({
    paths: [folder], registry, profileOf: getProfile, log: pino({ level: 'silent' }),
    onRemoved: (id) => removed.push(id), ...opts,
  });

  it('finds added, changed, removed and broken files in a full rescan', async () => {
    writeHome(home(1));
    writeHome(home(2));
    watcher = make({ notifications: false, everyMs: 3_600_000 });
    watcher.start(new Map());
    const first = await watcher.rescan();
    expect(first.added.sort()).toEqual([home(1).siteId, home(2).siteId]);

    writeHome(home(1), (f) => { f.site.name = 'Renamed'; });
    removeHome(home(2));
    writeHome(home(3));
    writeFileSync(join(folder, 'broken.yaml'), 'site: [unclosed');
    const second = await watcher.rescan();
    expect(second).toEqual({ added: [home(3).siteId], replaced: [home(1).siteId], removed: [home(2).siteId], refused: [join(folder, 'broken.yaml')] });
    expect(registry.siteIds().sort()).toEqual([home(1).siteId, home(3).siteId]);
    expect(removed).toEqual([home(2).siteId]);
    // Nothing changed since: a pass finds nothing, and the broken file is not reported again.
    expect(await watcher.rescan()).toEqual({ added: [], replaced: [], removed: [], refused: [] });
  });

  it('applies changes from file-system notifications, with no rescan due', async () => {
    writeHome(home(1));
    watcher = make({ notifications: true, everyMs: 3_600_000 });
    watcher.start(new Map());
    await watcher.rescan();
    expect(registry.siteIds()).toEqual([home(1).siteId]);

    writeHome(home(2));
    await waitFor('the new home to be added', () => registry.get(home(2).siteId) !== undefined, 5000);
    writeHome(home(1), (f) => { f.site.name = 'Renamed'; });
    await waitFor('the changed home to be restarted', () => started.get(home(1).siteId) === 2, 5000);
    removeHome(home(2));
    await waitFor('the removed home to stop', () => registry.get(home(2).siteId) === undefined, 5000);
    expect(removed).toEqual([home(2).siteId]);
    // Hidden files (an editor's swap file) are not site files.
    writeFileSync(join(folder, `.${home(3).siteId}.yaml.swp`), 'x');
    await new Promise((r) => setTimeout(r, 300));
    expect(registry.siteIds()).toEqual([home(1).siteId]);
  });

  it('stops: a change after stop() is not applied', async () => {
    watcher = make({ notifications: true, everyMs: 50 });
    watcher.start(new Map());
    watcher.stop();
    writeHome(home(4));
    await new Promise((r) => setTimeout(r, 300));
    expect(registry.size).toBe(0);
  });
});
