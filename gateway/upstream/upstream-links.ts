import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { UpstreamConfig, type Event, type SiteFile } from '../../contract/index.ts';
import { Dc09Link } from './dc09-link.ts';
import { Gb26875Link } from './gb26875-link.ts';
import type { QueuedLink, UpstreamLinkDeps } from './queued-link.ts';
import { UpstreamQueue } from './upstream-queue.ts';

export interface UpstreamLinksDeps extends Omit<UpstreamLinkDeps, 'queue'> {
  db: Database.Database;
  siteFile: (siteId: string) => SiteFile | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * The gateway's upstream links (docs/upstream.md), built from the validated configuration.
 * `enqueue` is the outbox hook: it runs inside the append transaction. `start()` opens the links,
 * `stop()` closes exactly those.
 */
export class UpstreamLinks {
  readonly queue: UpstreamQueue;
  readonly links: QueuedLink[];

  constructor(config: UpstreamConfig, deps: UpstreamLinksDeps) {
    this.queue = new UpstreamQueue(deps.db);
    const linkDeps: UpstreamLinkDeps = { ...deps, queue: this.queue };
    this.links = config.links.map((l) => (l.kind === 'dc09' ? new Dc09Link(l, linkDeps, deps.siteFile, deps.env) : new Gb26875Link(l, linkDeps, deps.siteFile)));
  }

  enqueue(event: Event): void {
    for (const link of this.links) link.enqueue(event);
  }

  /** After a commit: links with something new start sending. */
  wake(): void {
    for (const link of this.links) link.wake();
  }

  start(): void {
    for (const link of this.links) link.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((l) => l.stop()));
  }

  status(): Array<{ name: string; queued: number } & QueuedLink['stats']> {
    const depth = this.queue.depth();
    return this.links.map((l) => ({ name: l.name, queued: depth[l.name] ?? 0, ...l.stats }));
  }
}

/** Reads and validates an upstream file (YAML or JSON); every problem as `path: message`. */
export function loadUpstreamConfig(path: string): { ok: true; config: UpstreamConfig } | { ok: false; errors: string[] } {
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    return { ok: false, errors: [`${path}: cannot read: ${(err as Error).message.split('\n')[0]}`] };
  }
  const parsed = UpstreamConfig.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => `${path}: ${i.path.join('.') || '(file)'}: ${i.message}`) };
  return { ok: true, config: parsed.data };
}

