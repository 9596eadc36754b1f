import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SiteFile, formatIssues } from '../../contract/index.ts';
import { type ProfileFacts, buildSiteModel } from './build-model.ts';
import type { SiteModel } from './model.ts';

export type SiteLoadResult = { ok: true; site: SiteModel } | { ok: false; file: string; errors: string[] };

/** Largest site file we read: a home is a few KB, the biggest institution well under this. */
const MAX_SITE_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Reads a YAML or JSON site file and validates it whole: every problem is listed as
 * `path: message`, never just the first (STYLE.md: settings validated once, all errors listed).
 */
export function loadSiteFile(path: string, profileOf: (id: string) => ProfileFacts | undefined): SiteLoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, file: path, errors: [`(file): cannot read: ${(err as Error).message}`] };
  }
  if (Buffer.byteLength(text) > MAX_SITE_FILE_BYTES) {
    return { ok: false, file: path, errors: [`(file): larger than ${MAX_SITE_FILE_BYTES} bytes`] };
  }
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, file: path, errors: [`(file): not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`] };
  }
  const parsed = SiteFile.safeParse(raw);
  if (!parsed.success) return { ok: false, file: path, errors: formatIssues(parsed.error) };
  const built = buildSiteModel(parsed.data, profileOf);
  return built.ok ? built : { ok: false, file: path, errors: built.errors };
}
