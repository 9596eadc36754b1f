import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type Device, ScenarioFile, SiteFile, clockMs, formatIssues } from '../../contract/index.ts';

/** A scenario file read and checked, with its sites parsed and its clock fixed to real instants. */
export interface LoadedScenario {
  path: string;
  file: ScenarioFile;
  sites: SiteFile[];
  /** Epoch ms of 00:00 of the scenario's day in the (first) site's zone. */
  midnight: number;
  timezone: string;
  from: number;
  to: number;
  /** A scenario clock time → epoch ms. */
  at(time: string): number;
  /** The site and device a step names (a device id alone when it is unique across the sites). */
  device(deviceId: string, siteId?: string): { site: SiteFile; device: Device };
}

/** Reads a scenario file (YAML); every problem is listed as `path: message` (ConfigError, exit 1). */
export function loadScenario(path: string): LoadedScenario {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  return scenarioFrom(raw, dirname(resolve(path)), path);
}

export function scenarioFrom(raw: unknown, baseDir: string, name = '(inline scenario)'): LoadedScenario {
  const parsed = ScenarioFile.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${name}:\n  ${formatIssues(parsed.error).join('\n  ')}`);
  const file = parsed.data;
  const sites = file.sites.map((s, i) => {
    let input: unknown = s;
    if ('file' in s && typeof s.file === 'string' && Object.keys(s).length === 1) {
      const sitePath = resolve(baseDir, s.file);
      try {
        input = parseYaml(readFileSync(sitePath, 'utf8'));
      } catch (err) {
        throw new ConfigError(`${name}: sites.${i}: ${sitePath}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    const site = SiteFile.safeParse(input);
    if (!site.success) throw new ConfigError(`${name}: sites.${i}:\n  ${formatIssues(site.error).join('\n  ')}`);
    return site.data;
  });
  const timezone = sites[0]!.site.timezone;
  const midnight = localMidnight(file.day, timezone);
  const at = (time: string) => midnight + clockMs(time);
  const device = (deviceId: string, siteId?: string) => {
    const hits = sites.flatMap((site) => (siteId && site.site.id !== siteId ? [] : site.devices.filter((d) => d.id === deviceId).map((d) => ({ site, device: d }))));
    if (hits.length === 0) throw new ConfigError(`${name}: no device "${deviceId}"${siteId ? ` in site ${siteId}` : ''} in the scenario's sites`);
    if (hits.length > 1) throw new ConfigError(`${name}: device "${deviceId}" is in several sites; name the step's site`);
    return hits[0]!;
  };
  // Every step's device must exist: a typo is found before anything is sent.
  file.steps.forEach((s) => { if ('device' in s) device(s.device, s.site); });
  const lastStep = Math.max(...file.steps.map((s) => at(s.at) + ('for' in s && s.for ? 0 : 0)));
  const deadlines = file.expect.flatMap((e) => [e.by, e.until].filter((t): t is string => !!t).map(at));
  const to = file.to ? at(file.to) : Math.max(lastStep, ...deadlines) + 60_000;
  return { path: name, file, sites, midnight, timezone, from: at(file.from), to, at, device };
}

/** Epoch ms of 00:00 on `day` (YYYY-MM-DD) in `timeZone`. */
export function localMidnight(day: string, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wallUtc = Date.UTC(y, m - 1, d);
  let guess = wallUtc - offsetMs(wallUtc, timeZone);
  guess = wallUtc - offsetMs(guess, timeZone); // once more, in case midnight is across a DST change
  return guess;
}

function offsetMs(epoch: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(epoch)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(epoch / 1000) * 1000;
}

/** Scenario time for printing: `HH:MM:SS` (and `+Nd`) in the scenario's zone. */
export function clockOf(s: LoadedScenario, epoch: number): string {
  const ms = epoch - s.midnight;
  const day = Math.floor(ms / 86_400_000);
  const sec = Math.floor((ms - day * 86_400_000) / 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day ? `+${day}d ` : ''}${p(Math.floor(sec / 3600))}:${p(Math.floor(sec / 60) % 60)}:${p(sec % 60)}`;
}
