import { statSync } from 'node:fs';
import type { Logger } from '../log.ts';
import type { SiteRegistry } from '../sites/site-registry.ts';
import type { ProfileFacts } from './build-model.ts';
import { listSiteFiles } from './list-site-files.ts';
import { loadSiteFile } from './load-site-file.ts';

export interface SiteDirectoryWatcherOptions {
  /** The --site arguments: files and folders. Folders are rescanned; new files in them are added. */
  paths: readonly string[];
  registry: SiteRegistry;
  profileOf: (id: string) => ProfileFacts | undefined;
  log: Logger;
  /** Rescan period. Polling, not fs.watch: it sees edits made by rename (editors, rsync, config management). */
  everyMs?: number;
  /** Called when a site was removed, to drop what the gateway kept for it (its rule state). */
  onRemoved?: (siteId: string) => void;
  /** Called before sites are (re)loaded, e.g. to reload the credential file that comes with them. */
  beforeApply?: () => void;
}

interface Known { siteId: string; mtimeMs: number; size: number }

/** Files stat'ed between two yields to the event loop. */
const SLICE = 250;

/**
 * Applies site-file changes to a running gateway (issue 11): a new file adds its site, a changed
 * file replaces only its own site (rule state is kept in the database, so nothing resets), a
 * removed file stops its site. A broken file is refused with its errors and the version that
 * was running stays; no other site is touched.
 */
export class SiteDirectoryWatcher {
  private readonly known = new Map<string, Known>();
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;
  private stopped = false;

  constructor(private readonly opts: SiteDirectoryWatcherOptions) {}

  /** Records the files loaded at start as known, then polls. */
  start(initial: ReadonlyMap<string, string>): void {
    for (const [file, siteId] of initial) {
      const st = statSync(file, { throwIfNoEntry: false });
      if (st) this.known.set(file, { siteId, mtimeMs: st.mtimeMs, size: st.size });
    }
    this.timer = setInterval(() => {
      if (this.scanning) return;
      this.scanning = true;
      this.rescan().catch((err: unknown) => this.opts.log.error({ err }, 'site rescan failed')).finally(() => { this.scanning = false; });
    }, this.opts.everyMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One pass over the folders; returns what changed (for tests and logs). A regional gateway's
   * folder holds 10,000 homes: the files are looked at in slices, yielding between them, so a
   * pass never holds up alarms (a single blocking pass measured ~90 ms at 10,000 files).
   */
  async rescan(): Promise<{ added: string[]; replaced: string[]; removed: string[]; refused: string[] }> {
    const result = { added: [] as string[], replaced: [] as string[], removed: [] as string[], refused: [] as string[] };
    const present = new Set(listSiteFiles(this.opts.paths.filter((p) => statSync(p, { throwIfNoEntry: false }))));
    const changed: string[] = [];
    let looked = 0;
    for (const file of present) {
      if (++looked % SLICE === 0) await new Promise((r) => setImmediate(r));
      const st = statSync(file, { throwIfNoEntry: false });
      if (!st) continue;
      const k = this.known.get(file);
      if (!k || k.mtimeMs !== st.mtimeMs || k.size !== st.size) changed.push(file);
    }
    if (this.stopped) return result; // stopped while this pass was yielding
    const gone = [...this.known.keys()].filter((f) => !present.has(f));
    if (changed.length > 0) this.opts.beforeApply?.();
    for (const file of changed) {
      const st = statSync(file, { throwIfNoEntry: false });
      if (!st) continue;
      const loaded = loadSiteFile(file, this.opts.profileOf);
      const previous = this.known.get(file);
      if (!loaded.ok) {
        this.opts.log.error({ file, errors: loaded.errors }, 'site file refused; the running version (if any) stays');
        // Remember this version so the same broken file is not reported every pass.
        this.known.set(file, { siteId: previous?.siteId ?? '', mtimeMs: st.mtimeMs, size: st.size });
        result.refused.push(file);
        continue;
      }
      const conflicts = this.opts.registry.upsert(loaded.site);
      if (conflicts.length > 0) {
        this.opts.log.error({ file, errors: conflicts }, 'site file refused');
        this.known.set(file, { siteId: previous?.siteId ?? '', mtimeMs: st.mtimeMs, size: st.size });
        result.refused.push(file);
        continue;
      }
      if (previous?.siteId && previous.siteId !== loaded.site.id) this.removeSite(previous.siteId);
      this.known.set(file, { siteId: loaded.site.id, mtimeMs: st.mtimeMs, size: st.size });
      (previous?.siteId ? result.replaced : result.added).push(loaded.site.id);
      this.opts.log.info({ file, siteId: loaded.site.id }, previous?.siteId ? 'site reloaded' : 'site added');
    }
    for (const file of gone) {
      const k = this.known.get(file)!;
      this.known.delete(file);
      if (k.siteId && ![...this.known.values()].some((o) => o.siteId === k.siteId)) {
        this.removeSite(k.siteId);
        result.removed.push(k.siteId);
        this.opts.log.info({ file, siteId: k.siteId }, 'site removed');
      }
    }
    return result;
  }

  private removeSite(siteId: string): void {
    if (this.opts.registry.remove(siteId)) this.opts.onRemoved?.(siteId);
  }
}
