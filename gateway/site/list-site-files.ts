import { readdirSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const SITE_FILE = /\.(ya?ml|json)$/i;

/** A name in a site folder that is a site file (hidden files, e.g. editors' swap files, are not). */
export function isSiteFileName(name: string): boolean {
  return SITE_FILE.test(name) && !name.startsWith('.');
}

/** The site files named: files as given, folders expanded to the site files directly inside them. */
export function listSiteFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (isSiteFileName(name)) out.push(join(p, name));
    } else {
      out.push(p);
    }
  }
  return out;
}

/** listSiteFiles without blocking the event loop: for rescans of folders of 10,000 homes on a running gateway. */
export async function listSiteFilesAsync(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (st?.isDirectory()) {
      for (const name of (await readdir(p)).sort()) if (isSiteFileName(name)) out.push(join(p, name));
    } else if (st) {
      out.push(p);
    }
  }
  return out;
}
