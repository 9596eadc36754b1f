import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSiteFiles } from '../demo/cli.ts';
import { ProcessStack } from '../stack/process-stack.ts';
import type { LoadEndpoints } from './load-run.ts';
import { type LoadDevice, loadSite } from './load-site.ts';

/**
 * The demo's real processes (`carewatch server` and `carewatch gateway` with the demo's sites)
 * plus the load site of `count` devices, provisioned like the demo (credentials per hub), on
 * free loopback ports. Stopped by pid.
 */
export async function startLoadStack(count: number): Promise<{ ep: LoadEndpoints; devices: LoadDevice[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-load-'));
  mkdirSync(join(dir, 'sites'));
  const { file, devices } = loadSite(count);
  const sitePath = join(dir, 'sites', 'load.json');
  writeFileSync(sitePath, JSON.stringify(file));
  const stack = new ProcessStack({ siteFiles: [...demoSiteFiles(), sitePath], startTogether: true });
  try {
    await stack.start();
  } catch (err) {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const admin = stack.creds.users.find((u) => u.role === 'admin') ?? stack.creds.users[0]!;
  return {
    ep: { mqtt: stack.mqttBroker, serverUrl: stack.serverUrl, gatewayUrl: stack.gatewayUrl, gatewayHeaders: stack.gatewayHeaders, token: admin.token, creds: stack.creds },
    devices,
    async stop() {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
