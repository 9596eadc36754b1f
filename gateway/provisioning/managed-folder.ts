import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayCredentials } from '../../contract/index.ts';
import type { GatewayConfig } from '../../contract/index.ts';

/** Hidden (not site files to the site loader): the managed sites' MQTT logins and the version applied. */
export const MANAGED_CREDENTIALS = '.credentials.json';
const VERSION_FILE = '.config-version';

/**
 * The folder of sites the server manages for this gateway (issue 17): one `{siteId}.json` per site,
 * as the server sent it, beside their MQTT credential hashes and the version applied. The site
 * watcher loads the folder like any other, so a pulled site is applied exactly as an edited site
 * file is (hot, per site, rule state kept), and survives a restart with the server unreachable.
 * Every file is written whole and renamed into place: a reader never sees half of one.
 */
export class ManagedFolder {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The version last applied, 0 when none (a new gateway, or a folder wiped by hand). */
  version(): number {
    const text = existsSync(join(this.dir, VERSION_FILE)) ? readFileSync(join(this.dir, VERSION_FILE), 'utf8').trim() : '';
    const n = Number(text);
    return Number.isInteger(n) && n > 0 ? n : 0;
  }

  credentials(): GatewayCredentials['mqtt'] {
    const file = join(this.dir, MANAGED_CREDENTIALS);
    if (!existsSync(file)) return [];
    return GatewayCredentials.parse(JSON.parse(readFileSync(file, 'utf8'))).mqtt;
  }

  /** Writes what the server sent; returns the site ids written and removed. */
  write(config: GatewayConfig): { written: string[]; removed: string[] } {
    const sent = new Set(config.sites.map((s) => s.siteId));
    const present = readdirSync(this.dir).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -'.json'.length));
    const removed = config.full ? present.filter((id) => !sent.has(id)) : config.removed.filter((id) => present.includes(id));
    const touched = new Set([...sent, ...removed, ...config.removed]);
    // Credentials first: the watcher reloads them before it loads the sites that use them.
    const kept = config.full ? [] : this.credentials().filter((c) => !touched.has(c.siteId));
    this.writeFile(MANAGED_CREDENTIALS, JSON.stringify({ mqtt: [...kept, ...config.sites.flatMap((s) => s.credentials)] }));
    for (const site of config.sites) this.writeFile(`${site.siteId}.json`, JSON.stringify(site.document, null, 1));
    for (const id of removed) rmSync(join(this.dir, `${id}.json`), { force: true });
    this.writeFile(VERSION_FILE, `${config.version}\n`);
    return { written: [...sent], removed };
  }

  private writeFile(name: string, content: string): void {
    const tmp = join(this.dir, `.${name}.tmp`);
    writeFileSync(tmp, content, { mode: 0o600 });
    renameSync(tmp, join(this.dir, name));
  }
}
