import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../contract/index.ts';
import type { Alarm, EventInput } from '../../contract/index.ts';
import { startServer } from '../../server/main.ts';
import type { RunningServer } from '../../server/main.ts';
import { event, makeProvisioning, tempDir, writeProvisioning } from '../server/helpers.ts';
import { openBrowser } from './browser.ts';
import type { Browser } from './browser.ts';

// The night-staff console in Debian's Chromium against a real listening server (issue 20).
let dir: ReturnType<typeof tempDir>;
let server: RunningServer;
let browser: Browser;
let provisionFile: string;
let tokens: ReturnType<typeof makeProvisioning>['tokens'];

beforeAll(async () => {
  dir = tempDir();
  const made = makeProvisioning();
  tokens = made.tokens;
  provisionFile = writeProvisioning(dir.path, made.provisioning);
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
    body: JSON.stringify({ gatewayId: 'gw-a', events: [event({ ts: Date.now(), ...overrides })] }),
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ refused: [] });
}

const page = () => browser.page;
const rowOfRoom = (roomId: string) => page().locator(`#alarms tbody tr:has(span.room[data-room-id="${roomId}"])`);

describe('the night-staff console in Chromium', () => {
  it('takes the token from the link, keeps it out of the URL, and shows no sign-in form once signed in', async () => {
    await page().goto(`${server.url}/#token=${encodeURIComponent(tokens.staffA)}`);
    await page().waitForSelector('body[data-stream="live"]');
    expect(new URL(page().url()).hash).toBe('');
    expect(await page().locator('#login').count()).toBe(0);
    expect(await page().locator('#empty').isVisible()).toBe(true);
    expect(await page().locator('#stream-banner').count()).toBe(0);
    await browser.screenshot('staff-console-empty');
  });

  it('shows a smoke alarm without reload, schedules its tone once sound is on, and acknowledges it with one click', async () => {
    // The sound banner asks for the click browsers require before a page may make sound.
    await page().click('#sound-banner');
    await page().waitForSelector('#sound-banner', { state: 'detached' });
    await ingest({ kind: 'fire.smoke', subject: 'device:smoke-203', deviceId: 'smoke-203', roomId: 'r203', residentId: undefined });
    const alarm = rowOfRoom('r203');
    await alarm.waitFor({ timeout: 5_000 });
    expect(await alarm.locator('td.kind').innerText()).toContain('烟雾报警');
    expect(await alarm.locator('td.status').getAttribute('data-status')).toBe('active_unack');
    expect(await alarm.getAttribute('class')).toContain('sev-critical');
    // The critical burst was scheduled on the page's audio context (tones.ts marks <body> after osc.start()).
    await page().waitForSelector('body[data-tone="critical"]', { timeout: 5_000 });
    await browser.screenshot('staff-console-smoke-alarm');

    await alarm.locator('button.ack').click();
    await page().waitForSelector('#alarms tr:has(span.room[data-room-id="r203"]) td.status[data-status="active_ack"]', { timeout: 5_000 });
    expect(await alarm.locator('button.ack').count()).toBe(0);
    const listed = await fetch(`${server.url}${API_PREFIX}/alarms`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    const stored = ((await listed.json()) as { alarms: Alarm[] }).alarms.find((a) => a.roomId === 'r203');
    expect(stored).toMatchObject({ status: 'active_ack', ackedBy: 'staffA' });
  });

  it('lists by severity, unacknowledged first, then age — not by time alone', async () => {
    // A minor alarm raised first and a critical one after: the critical call is at the top (IEC 62682 § 11.3).
    await ingest({ kind: 'device.battery_low', severity: 'critical', lane: 'alarm', subject: 'device:x', deviceId: 'x', roomId: 'r110', ts: Date.now() - 60_000 });
    await ingest({ kind: 'water.leak', severity: 'minor', lane: 'alarm', subject: 'device:leak-1', deviceId: 'leak-1', roomId: 'r105', ts: Date.now() - 30_000 });
    await ingest({ kind: 'call.button', subject: 'device:btn-107', deviceId: 'btn-107', roomId: 'r107' });
    await rowOfRoom('r107').waitFor({ timeout: 5_000 });
    await rowOfRoom('r105').waitFor({ timeout: 5_000 });
    const rooms = await page().locator('#alarms tbody span.room').evaluateAll((els) => els.map((e) => e.getAttribute('data-room-id')));
    // Critical unacknowledged (the call; the battery alarm is older and also critical), then the acknowledged smoke, then the minor leak.
    expect(rooms).toEqual(['r110', 'r107', 'r203', 'r105']);
  });

  it('does not show another site\'s alarm', async () => {
    await ingest({ siteId: 'home-1', subject: 'device:btn-home', deviceId: 'btn-home', roomId: 'r-home' });
    await ingest({ subject: 'device:btn-108', deviceId: 'btn-108', roomId: 'r108' });
    await rowOfRoom('r108').waitFor({ timeout: 5_000 });
    expect(await rowOfRoom('r-home').count()).toBe(0);
  });

  it('acknowledges the selected alarm from the keyboard (A)', async () => {
    await page().keyboard.press('ArrowDown');
    const selected = page().locator('#alarms tbody tr.selected');
    const id = await selected.getAttribute('data-alarm-id');
    expect(await selected.locator('td.status').getAttribute('data-status')).toBe('active_unack');
    await page().keyboard.press('a');
    await page().waitForSelector(`#alarms tr[data-alarm-id="${id}"] td.status[data-status="active_ack"]`, { timeout: 5_000 });
  });

  it('shows a banner while the stream is down and misses no alarm raised meanwhile', async () => {
    const before = await page().locator('#alarms tbody tr').count();
    const port = Number(new URL(server.url).port);
    await server.close();
    await page().waitForSelector('#stream-banner', { state: 'visible', timeout: 10_000 });
    await browser.screenshot('staff-console-stream-down');

    server = await startServer({ host: '127.0.0.1', port, dataDir: dir.path, provisionFile, logger: false });
    // Raised while the console is still disconnected: the resume (Last-Event-ID) must bring it.
    await ingest({ subject: 'device:btn-109', deviceId: 'btn-109', roomId: 'r109' });
    await page().waitForSelector('#stream-banner', { state: 'detached', timeout: 20_000 });
    await rowOfRoom('r109').waitFor({ timeout: 10_000 });
    expect(await page().locator('#alarms tbody tr').count()).toBe(before + 1);
  });

  it('switches to English and back', async () => {
    await page().click('#lang');
    await page().waitForSelector('html[lang="en"]');
    await page().waitForSelector('body[data-stream="live"]');
    expect(await rowOfRoom('r203').locator('td.kind').innerText()).toContain('Smoke');
    await browser.screenshot('staff-console-english');
    await page().click('#lang');
    await page().waitForSelector('html[lang="zh-CN"]');
  });

  it('signs out, then signs in with a password: the form is gone, the user is named, and signing out ends the session', async () => {
    await page().click('#logout');
    await page().waitForSelector('#login');
    // The first administrator's password, as a new installation writes it (issue 17).
    const password = readFileSync(join(dir.path, 'initial-admin-password'), 'utf8').trim();
    await page().fill('#login input[name="username"]', 'admin');
    await page().fill('#login input[name="password"]', password);
    await page().click('#login button[type="submit"]');
    await page().waitForSelector('#login', { state: 'detached' });
    await page().waitForSelector('body[data-stream="live"]');
    expect(await page().locator('#login').count()).toBe(0);
    await page().waitForFunction(() => document.querySelector('#whoami')?.textContent === 'admin · admin');
    await browser.screenshot('staff-console-signed-in');
    const session = await page().evaluate(() => sessionStorage.getItem('carewatch.token'));
    await page().click('#logout');
    await page().waitForSelector('#login');
    const after = await fetch(`${server.url}${API_PREFIX}/session`, { headers: { authorization: `Bearer ${session}` } });
    expect(after.status).toBe(401);
  });
});
