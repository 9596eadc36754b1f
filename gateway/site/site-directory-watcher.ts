import { type FSWatcher, statSync, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from '../log.ts';
import type { SiteRegistry } from './site-registry.ts';
import type { ProfileFacts } from './build-model.ts';
import { isSiteFileName, listSiteFilesAsync } from './list-site-files.ts';
import { loadSiteFile } from './load-site-file.ts';

export interface SiteDirectoryWatcherOptions {
  /** The --site arguments: files and folders. Folders are rescanned; new files in them are added. */
  paths: readonly string[];
  registry: SiteRegistry;
  profileOf: (id: string) => ProfileFacts | undefined;
  log: Logger;
  /**
   * Period of the full rescan (default 30 s). Changes are normally seen at once through
   * file-system notifications; the full pass catches what notifications miss (network file
   * systems, a watcher that failed) and sees edits made by rename (editors, rsync, config management).
   */
  everyMs?: number;
  /** File-system notifications (default on); off leaves only the full rescans (tests, exotic file systems). */
  notifications?: boolean;
  /** Quiet time after a notification before the files it named are looked at (default 100 ms): an editor's save is several events. */
  settleMs?: number;
  /** Called when a site was removed, to drop what the gateway kept for it (its rule state). */
  onRemoved?: (siteId: string) => void;
  /** Called before sites are (re)loaded, e.g. to reload the credential file that comes with them. */
  beforeApply?: () => void;
}

export interface RescanResult { added: string[]; replaced: string[]; removed: string[]; refused: string[] }

interface Known { siteId: string; mtimeMs: number; size: number }

/** Files stat'ed at once in a full pass (the stats run in libuv's thread pool, not on the event loop). */
const STAT_CONCURRENCY = 16;

/**
 * Applies site-file changes to a running gateway (issue 11): a new file adds its site, a changed
 * file replaces only its own site (rule state is kept in the database, so nothing resets), a
 * removed file stops its site. A broken file is refused with its errors and the version that
 * was running stays; no other site is touched.
 *
 * A regional gateway's folder holds 10,000 homes. Polling them every 2 s with synchronous stats
 * cost ~5 % of a core and held the event loop up to ~45 ms a slice (regional benchmark), so
 * changes come from inotify (fs.watch) for the files named, and a slow full pass with
 * asynchronous stats is only the safety net. Passes never overlap: each waits for the one before.
 */
export class SiteDirectoryWatcher {
  private readonly known = new Map<string, Known>();
  private readonly watchers: FSWatcher[] = [];
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: SiteDirectoryWatcherOptions) {}

  /** Records the files loaded at start as known, then watches and polls. */
  start(initial: ReadonlyMap<string, string>): void {
    for (const [file, siteId] of initial) {
      const st = statSync(file, { throwIfNoEntry: false });
      if (st) this.known.set(resolve(file), { siteId, mtimeMs: st.mtimeMs, size: st.size });
    }
    if (this.opts.notifications !== false) this.watchFolders();
    this.timer = setInterval(() => void this.rescan().catch(() => undefined), this.opts.everyMs ?? 30_000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    for (const w of this.watchers.splice(0)) w.close();
    this.timer = undefined;
  }

  /** One full pass over the folders; returns what changed (for tests and logs). */
  rescan(): Promise<RescanResult> {
    return this.enqueue(async () => {
      const present = new Set((await listSiteFilesAsync(this.opts.paths)).map((f) => resolve(f)));
      const looked = await statAll([...present]);
      const gone = [...this.known.keys()].filter((f) => !present.has(f));
      return this.apply(this.changedOf(looked), gone);
    });
  }

  /** Looks at the files a notification named: each is new, changed, unchanged or gone. */
  private check(files: string[]): Promise<RescanResult> {
    return this.enqueue(async () => {
      const looked = await statAll(files);
      const gone = looked.filter(({ file, st }) => !st && this.known.has(file)).map(({ file }) => file);
      return this.apply(this.changedOf(looked), gone);
    });
  }

  private enqueue<T>(pass: () => Promise<T>): Promise<T> {
    const run = this.queue.then(pass);
    this.queue = run.catch((err: unknown) => this.opts.log.error({ err }, 'site rescan failed'));
    return run;
  }

  /** fs.watch on every folder named (and on the folder of every file named, for that file). */
  private watchFolders(): void {
    const folders = new Map<string, ((name: string) => boolean)>();
    for (const p of this.opts.paths) {
      const abs = resolve(p);
      if (statSync(abs, { throwIfNoEntry: false })?.isDirectory()) folders.set(abs, isSiteFileName);
      else {
        const previous = folders.get(dirname(abs));
        const own = (name: string) => name === basename(abs);
        folders.set(dirname(abs), previous ? (n) => previous(n) || own(n) : own);
      }
    }
    for (const [folder, wanted] of folders) {
      try {
        const w = watch(folder, { persistent: false }, (_event, name) => {
          if (name === null) this.dirty.add(''); // the platform did not say which: look at everything
          else if (wanted(name.toString())) this.dirty.add(join(folder, name.toString()));
          else return;
          this.settle();
        });
        w.on('error', (err) => this.opts.log.warn({ folder, err: err.message }, 'site folder notifications stopped; the periodic rescan still sees changes'));
        this.watchers.push(w);
      } catch (err) {
        this.opts.log.warn({ folder, err: (err as Error).message }, 'no notifications for a site folder; the periodic rescan sees its changes');
      }
    }
  }

  private settle(): void {
    if (this.settleTimer || this.stopped) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      const files = [...this.dirty];
      this.dirty.clear();
      (files.includes('') ? this.rescan() : this.check(files)).catch(() => undefined); // logged by enqueue
    }, this.opts.settleMs ?? 100);
    this.settleTimer.unref();
  }

  /** The files that are new or differ from what was loaded, with the stats just taken. */
  private changedOf(looked: Looked[]): Array<{ file: string; st: Stat }> {
    const out: Array<{ file: string; st: Stat }> = [];
    for (const { file, st } of looked) if (st && isChanged(this.known.get(file), st)) out.push({ file, st });
    return out;
  }

  private apply(changed: Array<{ file: string; st: Stat }>, gone: string[]): RescanResult {
    const result: RescanResult = { added: [], replaced: [], removed: [], refused: [] };
    if (this.stopped) return result; // stopped while this pass was waiting for the file system
    if (changed.length > 0) this.opts.beforeApply?.();
    for (const { file, st } of changed) {
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

interface Stat { mtimeMs: number; size: number }
interface Looked { file: string; st: Stat | undefined }

function isChanged(known: Known | undefined, st: Stat): boolean {
  return !known || known.mtimeMs !== st.mtimeMs || known.size !== st.size;
}

/** Stats every file, a few at a time, in libuv's thread pool; a file that vanished has no `st`. */
async function statAll(files: readonly string[]): Promise<Looked[]> {
  const out = new Array<Looked>(files.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, files.length) }, async () => {
    while (next < files.length) {
      const i = next++;
      const st = await stat(files[i]!).catch(() => undefined);
      out[i] = { file: files[i]!, st: st?.isFile() ? st : undefined };
    }
  }));
  return out;
}
