import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import type { EventInput } from '../../contract/index.ts';
import { startServer } from '../../server/main.ts';
import type { RunningServer } from '../../server/main.ts';
import { event, makeProvisioning, tempDir, writeProvisioning } from '../server/helpers.ts';
import { openBrowser } from './browser.ts';
import type { Browser } from './browser.ts';

// The call-centre board in Debian's Chromium against a real server (issue 20).
let dir: ReturnType<typeof tempDir>;
let server: RunningServer;
let browser: Browser;
let tokens: ReturnType<typeof makeProvisioning>['tokens'];

beforeAll(async () => {
  dir = tempDir();
  const made = makeProvisioning();
  tokens = made.tokens;
  const provisionFile = writeProvisioning(dir.path, made.provisioning);
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir.path, provisionFile, logger: false });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  dir?.remove();
});

async function ingest(overrides: Partial<EventInput>): Promise<void> {
  const response = await fetch(`${server.url}${API_PREFIX}/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens['gw-a']}`, 'content-type': 'application/json' },
    body: JSON.stringify({ gatewayId: 'gw-a', events: [event({ ts: Date.now(), createdAt: Date.now(), ...overrides })] }),
  });
  expect(await response.json()).toMatchObject({ refused: [] });
}

const page = () => browser.page;

describe('the call-centre board in Chromium', () => {
  it('moves an alarm nobody acknowledged within 60 s into the queue, and shows the share acknowledged in time', async () => {
    // Raised 57 s ago: not overdue yet, so listed below the queue…
    await ingest({ subject: 'device:btn-home', deviceId: 'btn-home', roomId: 'r-home', siteId: 'home-1', ts: Date.now() - 57_000 });
    await page().goto(`${server.url}/callcentre#token=${encodeURIComponent(tokens.callcentre)}`);
    await page().waitForSelector('body[data-stream="live"]');
    await page().locator('#others span.room[data-room-id="r-home"]').waitFor({ timeout: 5_000 });
    expect(await page().locator('#queue span.room[data-room-id="r-home"]').count()).toBe(0);
    // …and in the queue once the 60 s target has passed without an acknowledgement.
    await page().locator('#queue span.room[data-room-id="r-home"]').waitFor({ timeout: 15_000 });
    expect(await page().locator('#queue-count').innerText()).toBe('(1)');
    // Nothing was acknowledged in time today: 0 of 1 decided calls.
    await page().waitForFunction(() => document.querySelector('#ack-share [data-window="today"] small')?.textContent?.startsWith('0/1'));
    await browser.screenshot('callcentre-board');
  });
});
