import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SITE_FILE = /\.(ya?ml|json)$/i;

/** The site files named: files as given, folders expanded to the site files directly inside them. */
export function listSiteFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (SITE_FILE.test(name) && !name.startsWith('.')) out.push(join(p, name));
    } else {
      out.push(p);
    }
  }
  return out;
}
