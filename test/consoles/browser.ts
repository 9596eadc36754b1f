import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

// Debian's Chromium, headless. The autoplay flag is not used: the tests unlock sound with a click,
// as night staff do at sign-in.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Saves a screenshot under test/artifacts/ (ignored by git) for people to look at. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'carewatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport, timezoneId: 'Europe/London',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    page,
    screenshot: async (name) => { await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true }); },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
