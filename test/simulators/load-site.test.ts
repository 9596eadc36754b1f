import { describe, expect, it } from 'vitest';
import { SiteFile } from '../../contract/index.ts';
import { getProfile } from '../../devices/registry.ts';
import { run as sim } from '../../simulators/cli.ts';
import { DEVICES_PER_BRIDGE, LOAD_PROFILES, loadSite } from '../../simulators/load/load-site.ts';

describe('the load site (carewatch sim load)', () => {
  it('10,000 devices in the stated mix behind hubs of 2,500, a site file the contract accepts', () => {
    const { file, devices } = loadSite(10_000);
    const site = SiteFile.parse(file);
    expect(site.devices).toHaveLength(10_000);
    for (const { profile, share } of LOAD_PROFILES) expect(devices.filter((d) => d.profile === profile)).toHaveLength(10_000 * share);
    expect(site.bridges.map((b) => b.name)).toEqual(['hub00', 'hub01', 'hub02', 'hub03']);
    expect(devices.filter((d) => d.bridge === 'hub03')).toHaveLength(10_000 - 3 * DEVICES_PER_BRIDGE);
    expect(new Set(devices.map((d) => d.friendlyName)).size).toBe(10_000);
    for (const d of devices) expect(getProfile(d.profile), d.profile).toBeDefined();
  });
});

describe('carewatch sim --help', () => {
  it('documents every command, load and the scenario options included, and exits 0', async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { out.push(chunk); return true; }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await sim(['--help']);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    const text = out.join('');
    for (const command of ['publish', 'availability', 'home', 'receiver', 'scenario', 'load']) expect(text).toContain(`  ${command} `);
    for (const option of ['--speed N', '--virtual', '--check', '--socat', '--devices N', '--rate R']) expect(text).toContain(option);
  });
});
