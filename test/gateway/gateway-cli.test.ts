import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';

// `carewatch gateway` as a user starts it (issue 15, defect 8): what --help says is what the
// code does, and a missing file or id is one clear line and exit status 2, never a stack trace.
const ROOT = resolve(import.meta.dirname, '../..');
const DEMO_SITE = join(ROOT, 'simulators/demo/sites/demo.yaml');
const dir = tempDir('carewatch-gwcli-');
afterAll(() => dir.remove());

function gateway(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [join(ROOT, 'carewatch.mjs'), 'gateway', ...args], {
    encoding: 'utf8', timeout: 30_000, env: { ...process.env, CAREWATCH_GATEWAY_ID: '', CAREWATCH_GATEWAY_TOKEN: '', ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('carewatch gateway start-up', () => {
  it('--help says the gateway id has no default, and the default durability is power-safe for alarms', () => {
    const { status, stdout } = gateway(['--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/--gateway-id ID .*provisioning/);
    expect(stdout).toMatch(/required: no default/);
    expect(stdout).not.toMatch(/first site's id/);
    expect(stdout).toMatch(/default alarms/);
  });

  it('without a gateway id: one line naming the flag, exit 2 (no silent "gateway-1" refused with 403)', () => {
    const { status, stderr } = gateway(['--site', DEMO_SITE], { CAREWATCH_GATEWAY_TOKEN: 'x' });
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^carewatch gateway: no gateway id: give --gateway-id/);
  });

  // Without config pull the credentials file is the only source of the devices' logins.
  it('a missing credentials file (the default one, in the data folder): one line naming it, exit 2, no stack trace', () => {
    const data = join(dir.path, 'empty-data');
    const { status, stderr } = gateway(['--site', DEMO_SITE, '--gateway-id', 'gw-1', '--data-dir', data, '--config-pull', 'off'], { CAREWATCH_GATEWAY_TOKEN: 'x' });
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`--credentials: ${join(data, 'gateway-credentials.json')} not found`);
    expect(stderr).not.toMatch(/ENOENT|at .*\.ts:\d+/);
  });
});
