import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import type { Alarm } from '../../contract/index.ts';
import { startServer } from '../../server/main.ts';
import type { RunningServer } from '../../server/main.ts';
import { event, makeProvisioning, tempDir, writeProvisioning } from './helpers.ts';

// Real Chromium against a real listening server: the console as a night-shift operator uses it.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let dir: ReturnType<typeof tempDir>;
let profile: string;
let server: RunningServer;
let context: BrowserContext;
let page: Page;
let provisionFile: string;
let tokens: ReturnType<typeof makeProvisioning>['tokens'];

beforeAll(async () => {
  dir = tempDir();
  const made = makeProvisioning();
  tokens = made.tokens;
  provisionFile = writeProvisioning(dir.path, made.provisioning);
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir.path, provisionFile, logger: false });
  profile = mkdtempSync(join(tmpdir(), 'carewatch-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  page = context.pages()[0] ?? (await context.newPage());
});
afterAll(async () => {
  await context?.close();
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
  dir?.remove();
});

async function ingest(subject: string, siteId = 'site-a'): Promise<void> {
  const response = await fetch(`${server.url}${API_PREFIX}/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens['gw-a']}`, 'content-type': 'application/json' },
    body: JSON.stringify({ gatewayId: 'gw-a', events: [event({ siteId, subject, deviceId: subject.split(':')[1]! })] }),
  });
  expect(response.status).toBe(200);
}

const row = (deviceSubject: string) => page.locator('#alarms tbody tr', { hasText: deviceSubject });

describe('the operator console in Chromium', () => {
  it('takes the token from the link, then keeps it out of the URL', async () => {
    await page.goto(`${server.url}/#token=${encodeURIComponent(tokens.staffA)}`);
    await page.waitForSelector('body[data-stream="live"]');
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.locator('#empty').isVisible()).toBe(true);
    expect(await page.locator('#stream-banner').isVisible()).toBe(false);
  });

  it('shows an alarm live after an ingest, then acknowledges it with one click', async () => {
    await ingest('device:btn-42');
    const alarm = row('site-a / r101');
    await alarm.waitFor({ timeout: 5_000 });
    expect(await alarm.locator('td.kind').innerText()).toContain('call.button');
    expect(await alarm.locator('td.status').getAttribute('data-status')).toBe('active_unack');
    expect(await alarm.getAttribute('class')).toContain('sev-critical');

    await alarm.locator('button.ack').click();
    await page.waitForSelector('#alarms tbody tr td.status[data-status="active_ack"]', { timeout: 5_000 });
    expect(await alarm.locator('button.ack').count()).toBe(0);

    const listed = await fetch(`${server.url}${API_PREFIX}/alarms`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    const [stored] = ((await listed.json()) as { alarms: Alarm[] }).alarms;
    expect(stored).toMatchObject({ status: 'active_ack', ackedBy: 'staffA' });
  });

  it('does not show another site\'s alarm', async () => {
    await ingest('device:btn-home', 'home-1');
    await ingest('device:btn-43');
    await page.waitForFunction(() => document.querySelectorAll('#alarms tbody tr').length === 2, undefined, { timeout: 5_000 });
    expect(await page.locator('#alarms tbody').innerText()).not.toContain('home-1');
  });

  it('shows a banner while the stream is down and catches up after the server returns', async () => {
    const port = Number(new URL(server.url).port);
    await server.close();
    await page.waitForSelector('#stream-banner', { state: 'visible', timeout: 10_000 });

    server = await startServer({ host: '127.0.0.1', port, dataDir: dir.path, provisionFile, logger: false });
    await ingest('device:btn-44');
    await page.waitForSelector('#stream-banner', { state: 'hidden', timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll('#alarms tbody tr').length === 3, undefined, { timeout: 10_000 });
  });
});
